"""Users and passwords (argon2)."""
from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bpmn.vocabulary import ROLES

from .. import audit
from ..calendar import VN_TZ
from ..errors import Forbidden, InvalidInput
from ..models import AuditEvent, Department, Role, User, UserRole

_hasher = PasswordHasher()


def ensure_roles(session: Session) -> None:
    known = set(session.execute(select(Role.code)).scalars())
    for code, (name, name_en) in ROLES.items():
        if code not in known:
            session.add(Role(code=code, name=name, name_en=name_en))
    session.flush()


def create_user(session: Session, actor: User | None, now: datetime, *, username: str,
                full_name: str, password: str, roles: list[str],
                department_code: str | None = None, email: str = "") -> User:
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise InvalidInput(f"unknown roles: {', '.join(unknown)}", {"roles": list(ROLES)})
    if len(password) < 8:
        raise InvalidInput("a password needs at least 8 characters")
    if session.execute(select(User).where(User.username == username)).first():
        raise InvalidInput(f"user {username!r} already exists")
    department = None
    if department_code:
        department = session.execute(select(Department).where(
            Department.code == department_code)).scalar_one_or_none()
        if department is None:
            raise InvalidInput(f"unknown department {department_code!r}")
    ensure_roles(session)
    user = User(username=username, full_name=full_name, email=email,
                password_hash=_hasher.hash(password), department=department,
                created_at=now, role_links=[UserRole(role_code=r) for r in roles])
    session.add(user)
    session.flush()
    audit.record(session, at=now, actor=actor, action="user_create",
                 after={"username": username, "roles": sorted(roles),
                        "department": department_code})
    return user


MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)


def authenticate(session: Session, username: str, password: str, now: datetime) -> User | None:
    """The user if the password is right. Every attempt on an existing account is audited;
    after MAX_FAILURES failures within LOCKOUT the account refuses even the right password
    until LOCKOUT has passed since the last failure (counted from the audit trail, so every
    worker process sees the same count)."""
    user = session.execute(select(User).where(User.username == username,
                                              User.active.is_(True))).scalar_one_or_none()
    if user is None:
        _hasher.hash(password)  # same cost whether or not the user exists
        return None
    locked_until = _locked_until(session, user, now)
    if locked_until is not None:
        raise AccountLocked(f"too many wrong passwords: this account is locked until "
                            f"{locked_until.astimezone(VN_TZ):%H:%M} (Vietnam time)")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        audit.record(session, at=now, actor=user, action="login_failed")
        return None
    audit.record(session, at=now, actor=user, action="login")
    return user


def _locked_until(session: Session, user: User, now: datetime) -> datetime | None:
    last_success = session.execute(select(func.max(AuditEvent.at)).where(
        AuditEvent.actor_id == user.id, AuditEvent.action == "login")).scalar_one()
    since = max(filter(None, [last_success, now - LOCKOUT]))
    failures = list(session.execute(select(AuditEvent.at).where(
        AuditEvent.actor_id == user.id, AuditEvent.action == "login_failed",
        AuditEvent.at > since).order_by(AuditEvent.at.desc()).limit(MAX_FAILURES)).scalars())
    if len(failures) < MAX_FAILURES:
        return None
    return failures[0] + LOCKOUT


class AccountLocked(Forbidden):
    code = "account_locked"
