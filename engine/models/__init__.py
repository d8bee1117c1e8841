"""All tables; importing this package registers them on `engine.db.Base.metadata`."""
from .audit import AuditEvent, AuditHead
from .calendar import CalendarDay
from .dossiers import Apology, Dossier, DossierPause, DossierSequence, Timer, WorkItem
from .people import Department, Role, User, UserRole
from .procedures import Procedure, ProcessVersion

__all__ = ["Apology", "AuditEvent", "AuditHead", "CalendarDay", "Department", "Dossier", "DossierPause", "DossierSequence",
           "ProcessVersion", "Procedure", "Role", "Timer", "User", "UserRole", "WorkItem"]
