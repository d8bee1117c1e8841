"""The audit trail search, a dossier's timeline, the process-control slip and the tracking book."""
from __future__ import annotations
