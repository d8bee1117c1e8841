"""The register's pages."""
from __future__ import annotations
