"""All tables; importing this package registers them on `engine.db.Base.metadata`."""
from .audit import AuditEvent, AuditHead
from .calendar import CalendarDay
from .dossiers import Apology, Dossier, DossierPause, DossierSequence, Timer, WorkItem
from .people import Department, Role, User, UserRole
from .procedures import Procedure, ProcessVersion
from .quality_records import Nonconformity, NonconformitySequence
from .records import Attachment, DossierReturn, Rating

__all__ = ["Apology", "Attachment", "AuditEvent", "AuditHead", "CalendarDay", "Department",
           "Dossier", "DossierPause", "DossierReturn", "DossierSequence", "Nonconformity",
           "NonconformitySequence", "Procedure", "ProcessVersion", "Rating", "Role", "Timer",
           "User", "UserRole", "WorkItem"]
