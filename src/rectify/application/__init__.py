"""The service layer: small services over shared command plumbing, composed into
:class:`RectificationApp`.

==============  =====================================================================
``plumbing``    validation, loading and saving aggregates, reading the log, helpers
``branches``    branches and the lagging-branch workflow
``policies``    catch-up of the views, rebuilds and the readiness policy
``queries``     the ledger, figures, notices, audit trails and replayed views
``issues``      the life of one problem and its measures
``lists``       problem lists, checklists, inspection rounds and findings
``app``         :class:`RectificationApp` and :func:`connect`
==============  =====================================================================
"""

from rectify.application.app import RectificationApp, connect
from rectify.application.plumbing import replay_until
from rectify.application.policies import POLICY_ACTOR, POLICY_NAME

__all__ = ["POLICY_ACTOR", "POLICY_NAME", "RectificationApp", "connect", "replay_until"]
