"""Adapters at the edge: what stores, files and servers look like to rectify.

==========================  ==============================================================
``viewstores``              the read models' tables beside the events, per backend
``spreadsheets``            the ledger as Excel and CSV in and out, notices
==========================  ==============================================================
"""
