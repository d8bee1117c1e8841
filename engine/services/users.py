"""Users and passwords (argon2)."""
from __future__ import annotations

from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bpmn.vocabulary import ROLES

from .. import audit
from ..errors import InvalidInput
from ..models import Department, Role, User, UserRole

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


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.execute(select(User).where(User.username == username,
                                              User.active.is_(True))).scalar_one_or_none()
    if user is None:
        _hasher.hash(password)  # same cost whether or not the user exists
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return user
