"""Tools for testing workflow rules: the invariant catalogue, hypothesis strategies, a state machine.

``rectify.testing.invariants`` needs nothing more than rectify; ``strategies`` and ``stateful`` need
hypothesis (``pip install rectify[testing]``).
"""
