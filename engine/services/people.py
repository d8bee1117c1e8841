"""The administrator's people: users (roles, department, active or not, password) and
departments. Every change is audited with the state before and after; an administrator cannot
deactivate themself nor remove their own `admin` role (somebody must remain able to manage)."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpmn.vocabulary import ROLES

from .. import audit
from ..errors import Forbidden, InvalidInput, NotFound
from ..models import Department, User, UserRole
from .users import _hasher, create_user, ensure_roles

PASSWORD_MIN = 8
CODE = re.compile(r"^[a-z0-9_]{2,40}$")
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,80}$")


def _check_admin(actor: User | None) -> None:
    """The command line acts as the system (actor None); a person must be an administrator."""
    if actor is not None and not actor.has_role("admin"):
        raise Forbidden("only an administrator manages users and departments")


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def _user_dict(user: User) -> dict:
    return {"username": user.username, "full_name": user.full_name, "email": user.email,
            "department": user.department.code if user.department else None,
            "roles": sorted(user.roles), "active": user.active}


def _department(session: Session, code: str | None) -> Department | None:
    if not code:
        return None
    found = session.execute(select(Department).where(
        Department.code == code)).scalar_one_or_none()
    if found is None:
        raise InvalidInput(f"unknown department {code!r}", {"department": "unknown"})
    return found


def _check_roles(roles: list[str]) -> list[str]:
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise InvalidInput(f"unknown roles: {', '.join(unknown)}", {"roles": list(ROLES)})
    if not roles:
        raise InvalidInput("a user needs at least one role", {"roles": "required"})
    return roles


def _check_password(password: str) -> None:
    if len(password or "") < PASSWORD_MIN:
        raise InvalidInput(f"a password needs at least {PASSWORD_MIN} characters",
                           {"password": "too short"})


def _check_person(full_name: str, email: str) -> None:
    if not full_name:
        raise InvalidInput("a full name is required", {"full_name": "required"})
    if len(full_name) > 200:
        raise InvalidInput("a full name is at most 200 characters", {"full_name": "too long"})
    if email and ("@" not in email or len(email) > 200):
        raise InvalidInput(f"{email!r} is not an email address", {"email": "invalid"})


# --- users ----------------------------------------------------------------------------------

def list_users(session: Session) -> list[User]:
    return list(session.execute(select(User).order_by(User.username)).scalars())


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def add_user(session: Session, actor: User | None, now: datetime, *, username: str,
             full_name: str, password: str, roles: list[str], department_code: str | None = None,
             email: str = "") -> User:
    """A new user (audited as `user_create` by the users service)."""
    _check_admin(actor)
    username, full_name, email = (username or "").strip(), _clean(full_name), (email or "").strip()
    if not USERNAME.match(username):
        raise InvalidInput("a username has 2 to 80 letters, digits, dots, dashes or underscores",
                           {"username": "invalid"})
    _check_person(full_name, email)
    roles = _check_roles(roles)
    _check_password(password)
    _department(session, department_code)
    return create_user(session, actor, now, username=username, full_name=full_name,
                       password=password, roles=roles, department_code=department_code or None,
                       email=email)


def update_user(session: Session, actor: User | None, now: datetime, user_id: int, *,
                full_name: str, email: str, department_code: str | None) -> User:
    """Change a user's name, email and department (`user_update`)."""
    _check_admin(actor)
    user = get_user(session, user_id)
    full_name, email = _clean(full_name), (email or "").strip()
    _check_person(full_name, email)
    department = _department(session, department_code)
    before = _user_dict(user)
    user.full_name, user.email, user.department = full_name, email, department
    session.flush()
    after = _user_dict(user)
    if after != before:
        audit.record(session, at=now, actor=actor, action="user_update", before=before,
                     after=after)
    return user


def set_roles(session: Session, actor: User | None, now: datetime, user_id: int,
              roles: list[str]) -> User:
    """Replace a user's roles (`user_roles`); an administrator keeps their own admin role."""
    _check_admin(actor)
    user = get_user(session, user_id)
    roles = _check_roles(roles)
    if actor is not None and user.id == actor.id and "admin" not in roles:
        raise Forbidden("you cannot remove your own administrator role: "
                        "ask another administrator")
    before = _user_dict(user)
    if sorted(user.roles) == roles:
        return user
    ensure_roles(session)
    keep = [link for link in user.role_links if link.role_code in roles]
    user.role_links = keep + [UserRole(role_code=r) for r in roles
                              if r not in {link.role_code for link in keep}]
    session.flush()
    audit.record(session, at=now, actor=actor, action="user_roles", before=before,
                 after=_user_dict(user))
    return user


def set_active(session: Session, actor: User | None, now: datetime, user_id: int,
               active: bool) -> User:
    """Deactivate (no more logins) or reactivate a user; never oneself."""
    _check_admin(actor)
    user = get_user(session, user_id)
    if actor is not None and user.id == actor.id and not active:
        raise Forbidden("you cannot deactivate your own account")
    if user.active == active:
        return user
    before = _user_dict(user)
    user.active = active
    session.flush()
    audit.record(session, at=now, actor=actor,
                 action="user_activate" if active else "user_deactivate",
                 before=before, after=_user_dict(user))
    return user


def reset_password(session: Session, actor: User | None, now: datetime, user_id: int,
                   password: str) -> User:
    """A new password (`password_reset`; the hash is never audited)."""
    _check_admin(actor)
    user = get_user(session, user_id)
    _check_password(password)
    user.password_hash = _hasher.hash(password)
    session.flush()
    audit.record(session, at=now, actor=actor, action="password_reset",
                 before={"username": user.username}, after={"username": user.username})
    return user


# --- departments ----------------------------------------------------------------------------

def list_departments(session: Session) -> list[Department]:
    return list(session.execute(select(Department).order_by(Department.code)).scalars())


def get_department(session: Session, department_id: int) -> Department:
    found = session.get(Department, department_id)
    if found is None:
        raise NotFound(f"no department {department_id}")
    return found


def _dept_dict(dept: Department) -> dict:
    return {"code": dept.code, "name": dept.name, "name_en": dept.name_en}


def _check_names(name: str, name_en: str) -> tuple[str, str]:
    name, name_en = _clean(name), _clean(name_en)
    if not name:
        raise InvalidInput("a department needs a name", {"name": "required"})
    if len(name) > 200 or len(name_en) > 200:
        raise InvalidInput("a department name is at most 200 characters", {"name": "too long"})
    return name, name_en


def create_department(session: Session, actor: User | None, now: datetime, *, code: str,
                      name: str, name_en: str = "") -> Department:
    _check_admin(actor)
    code = (code or "").strip()
    if not CODE.match(code):
        raise InvalidInput("a department code has 2 to 40 lower-case letters, digits or "
                           "underscores", {"code": "invalid"})
    name, name_en = _check_names(name, name_en)
    if session.execute(select(Department).where(Department.code == code)).first():
        raise InvalidInput(f"department {code!r} already exists", {"code": "taken"})
    dept = Department(code=code, name=name, name_en=name_en)
    session.add(dept)
    session.flush()
    audit.record(session, at=now, actor=actor, action="department_create",
                 after=_dept_dict(dept))
    return dept


def update_department(session: Session, actor: User | None, now: datetime, department_id: int,
                      *, name: str, name_en: str = "") -> Department:
    """Rename a department (its code stays: procedures and users refer to it)."""
    _check_admin(actor)
    dept = get_department(session, department_id)
    name, name_en = _check_names(name, name_en)
    before = _dept_dict(dept)
    dept.name, dept.name_en = name, name_en
    session.flush()
    if _dept_dict(dept) != before:
        audit.record(session, at=now, actor=actor, action="department_update", before=before,
                     after=_dept_dict(dept))
    return dept
