"""a rating carries its dossier's procedure

The period report counted a year's ratings by procedure through a join to the dossier row of
each (70,000 random reads of a million-row table: 0.28 s of the 1.25 s a year took on SQLite,
bench/statistics_bench.py). The procedure is copied onto the rating, as work items copy
theirs, and the period index covers it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21 16:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rating') as batch:
        batch.add_column(sa.Column('procedure_id', sa.Integer(), nullable=True))
    op.execute('UPDATE rating SET procedure_id = (SELECT dossier.procedure_id FROM dossier '
               'WHERE dossier.id = rating.dossier_id)')
    with op.batch_alter_table('rating') as batch:
        batch.alter_column('procedure_id', existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(batch.f('fk_rating_procedure_id_procedure'), 'procedure',
                                 ['procedure_id'], ['id'])
        batch.drop_index('ix_rating_rated')
        batch.create_index('ix_rating_period', ['rated_at', 'procedure_id', 'level'],
                           unique=False)


def downgrade() -> None:
    with op.batch_alter_table('rating') as batch:
        batch.drop_index('ix_rating_period')
        batch.create_index('ix_rating_rated', ['rated_at', 'dossier_id', 'level'], unique=False)
        batch.drop_constraint(batch.f('fk_rating_procedure_id_procedure'), type_='foreignkey')
        batch.drop_column('procedure_id')
