"""Entry points: thin shells over :class:`~rectify.application.RectificationApp`.

==============  ==============================================================================
``cli``         the ``rectify`` command (typer + rich)
``follower``    ``rectify project --follow``: keeps the views current from another process
==============  ==============================================================================
"""
