"""All tables; importing this package registers them on `engine.db.Base.metadata`."""
from .audit import AuditEvent, AuditHead
from .calendar import CalendarDay
from .dossiers import Dossier, DossierSequence, Timer, WorkItem
from .people import Department, Role, User, UserRole
from .procedures import Procedure, ProcessVersion

__all__ = ["AuditEvent", "AuditHead", "CalendarDay", "Department", "Dossier", "DossierSequence",
           "ProcessVersion", "Procedure", "Role", "Timer", "User", "UserRole", "WorkItem"]
