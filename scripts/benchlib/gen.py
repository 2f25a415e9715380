"""Writes the equivalent N-table projects that `scripts/bench apply|autogen` compare.

    gen.py manage-apply N DIR      models and N hand-written migrations for a manage
                                   project made by make_project in scripts/bench
    gen.py stock-apply N DIR       the same N migration files in a crate of stock
                                   sea-orm-migration: what `sea-orm-cli migrate init`
                                   makes, its binary running `run_cli`
    gen.py alembic-apply N DIR     N chained Alembic revisions in DIR/versions
    gen.py alembic-models N DIR    the SQLAlchemy twin of make_project's N entities,
                                   as the package DIR/models (one module per table)
    gen.py floor-sql N sqlite|postgres
                                   the same DDL as one plain SQL script, on stdout
    gen.py count-tables URL        how many tables named tNNNN a database has
    gen.py alembic-env DIR [models]
                                   makes the env.py of `alembic init DIR` read
                                   DATABASE_URL (and DIR/models for autogenerate)
    gen.py sync SRC DST            makes DST a copy of SRC, rewriting only files that
                                   differ, so that cargo rebuilds only what changed

The apply history is the same in all four: migration i creates table t{i:04}
(id integer primary key autoincrement, parent_id integer not null referencing the
previous table ON DELETE CASCADE, name varchar(255) not null with an index, note text
null, created_at timestamp not null) and its index.
"""

import pathlib
import sys


def table(i):
    return f"t{i:04}"


def parent(i):
    return table(i - 1) if i > 0 else None


def migration_name(i):
    # A valid mYYYYMMDD_HHMMSS_ name, one second apart, so the names sort in order.
    return f"m20260101_{i // 3600:02}{i // 60 % 60:02}{i % 60:02}_create_{table(i)}"


# --- manage: entities and sea-orm-migration files -------------------------------

def manage_entity(i):
    t, p = table(i), parent(i)
    parent_col = "    pub parent_id: i32,\n" if p else ""
    relation = (
        f'    #[sea_orm(belongs_to = "super::{p}::Entity", from = "Column::ParentId", '
        f'to = "super::{p}::Column::Id", on_delete = "Cascade")]\n    Parent,\n'
        if p else "")
    return (
        "use sea_orm::entity::prelude::*;\n\n"
        "#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]\n"
        f'#[sea_orm(table_name = "{t}")]\n'
        "pub struct Model {\n    #[sea_orm(primary_key)]\n    pub id: i32,\n"
        f"{parent_col}"
        '    #[sea_orm(indexed, column_type = "String(StringLen::N(255))")]\n'
        "    pub name: String,\n"
        '    #[sea_orm(column_type = "Text", nullable)]\n    pub note: Option<String>,\n'
        '    #[sea_orm(column_type = "Timestamp")]\n    pub created_at: DateTime,\n}\n\n'
        "#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]\n"
        f"pub enum Relation {{\n{relation}}}\n\n"
        "impl ActiveModelBehavior for ActiveModel {}\n")


def manage_migration(i):
    t, p = table(i), parent(i)
    parent_col = '                    .col(integer("parent_id"))\n' if p else ""
    foreign_key = (
        "                    .foreign_key(\n"
        "                        ForeignKey::create()\n"
        f'                            .name("fk-{t}-parent_id")\n'
        f'                            .from("{t}", "parent_id")\n'
        f'                            .to("{p}", "id")\n'
        "                            .on_delete(ForeignKeyAction::Cascade),\n"
        "                    )\n" if p else "")
    return f"""//! Create table {t} with index idx-{t}-name

use sea_orm_migration::{{prelude::*, schema::*}};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {{
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {{
        manager
            .create_table(
                Table::create()
                    .table("{t}")
                    .col(pk_auto("id"))
{parent_col}                    .col(string_len("name", 255))
                    .col(text_null("note"))
                    .col(timestamp("created_at"))
{foreign_key}                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-{t}-name")
                    .table("{t}")
                    .col("name")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }}

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {{
        manager
            .drop_table(Table::drop().table("{t}").to_owned())
            .await?;
        Ok(())
    }}
}}
"""


def manage_lib(n):
    names = [migration_name(i) for i in range(n)]
    mods = "".join(f"mod {name};\n" for name in names)
    boxes = "".join(f"            Box::new({name}::Migration),\n" for name in names)
    return (
        "pub use sea_orm_migration::prelude::*;\n\n"
        f"{mods}\npub struct Migrator;\n\n"
        "#[async_trait::async_trait]\nimpl MigratorTrait for Migrator {\n"
        "    fn migrations() -> Vec<Box<dyn MigrationTrait>> {\n"
        f"        vec![\n{boxes}        ]\n    }}\n}}\n")


def manage_apply(n, root):
    models, migrations = root / "models/src", root / "migrations/src"
    for old in list(models.glob("t*.rs")) + list(migrations.glob("m*.rs")):
        old.unlink()
    for i in range(n):
        (models / f"{table(i)}.rs").write_text(manage_entity(i))
        (migrations / f"{migration_name(i)}.rs").write_text(manage_migration(i))
    (models / "lib.rs").write_text(models_lib(n))
    (migrations / "lib.rs").write_text(manage_lib(n))


def models_lib(n):
    """The models crate's root: one public module per entity."""
    return "".join(f"pub mod {table(i)};\n" for i in range(n))


# --- stock sea-orm-migration: the same files, its own command line --------------

STOCK_MANIFEST = """[package]
# A name per size: with one name, cargo gave the sizes' crates the same artifact
# names in the shared target directory and ran one size's migrations for another.
name = "bench-stock-migration-{n}"
version = "0.1.0"
edition = "2024"
publish = false

[lib]
name = "bench_stock_migration"

[dependencies]
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
sea-orm-migration = { version = "2.0.4", default-features = false, features = [
    "cli",
    "runtime-tokio-rustls",
    "sqlx-sqlite",
    "sqlx-postgres",
] }

# A project of its own, not a member of the repository's workspace.
[workspace]
"""

STOCK_MAIN = """use sea_orm_migration::prelude::*;

#[tokio::main]
async fn main() {
    cli::run_cli(bench_stock_migration::Migrator).await;
}
"""


def stock_apply(n, root):
    src = root / "src"
    src.mkdir(parents=True, exist_ok=True)
    for old in src.glob("m*.rs"):
        old.unlink()
    for i in range(n):
        (src / f"{migration_name(i)}.rs").write_text(manage_migration(i))
    (src / "lib.rs").write_text(manage_lib(n))
    (src / "main.rs").write_text(STOCK_MAIN)
    (root / "Cargo.toml").write_text(STOCK_MANIFEST.replace("{n}", str(n)))


# --- Alembic: chained revisions, and the SQLAlchemy models for autogenerate ------

def alembic_revision(i):
    t, p = table(i), parent(i)
    down = f'"r{i - 1:04}"' if p else "None"
    parent_col = (
        f'        sa.Column("parent_id", sa.Integer, '
        f'sa.ForeignKey("{p}.id", name="fk-{t}-parent_id", ondelete="CASCADE"), '
        "nullable=False),\n" if p else "")
    # sqlite_autoincrement: sea-query's pk_auto writes AUTOINCREMENT on SQLite, which
    # SQLAlchemy leaves out unless asked.
    return f'''"""create {t}"""
import sqlalchemy as sa
from alembic import op

revision = "r{i:04}"
down_revision = {down}
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "{t}",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
{parent_col}        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("idx-{t}-name", "{t}", ["name"])


def downgrade():
    op.drop_table("{t}")
'''


def alembic_apply(n, root):
    versions = root / "versions"
    for old in versions.glob("r*.py"):
        old.unlink()
    for i in range(n):
        (versions / f"r{i:04}_create_{table(i)}.py").write_text(alembic_revision(i))


def alembic_model(i):
    # The twin of make_project's entity, but for name's length: the entity's String is
    # an unbounded varchar, and Alembic does not see an unbounded VARCHAR gain a length
    # (a reflected type without one matches any), so here name starts at 255.
    t, p = table(i), parent(i)
    parent_col = (
        f'    parent_id: Mapped[int] = mapped_column(\n'
        f'        ForeignKey("{p}.id", name="fk-{t}-parent_id", ondelete="CASCADE"))\n'
        if p else "")
    return f'''from datetime import datetime
from typing import Optional

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from . import Base


class {t.capitalize()}(Base):
    __tablename__ = "{t}"
    id: Mapped[int] = mapped_column(primary_key=True)
{parent_col}    name: Mapped[str] = mapped_column(String(255), index=True)
    note: Mapped[Optional[str]] = mapped_column(String)
    score: Mapped[int] = mapped_column(server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
'''


def alembic_models(n, root):
    package = root / "models"
    package.mkdir(exist_ok=True)
    for old in package.glob("t*.py"):
        old.unlink()
    for i in range(n):
        (package / f"{table(i)}.py").write_text(alembic_model(i))
    imports = "".join(f"from . import {table(i)}  # noqa: E402,F401\n" for i in range(n))
    (package / "__init__.py").write_text(
        "from sqlalchemy.orm import DeclarativeBase\n\n\n"
        "class Base(DeclarativeBase):\n    pass\n\n\n" + imports)


# --- the floor: plain DDL ---------------------------------------------------------

def floor_sql(n, backend):
    # psql --single-transaction wraps the PostgreSQL script; SQLite's script carries
    # its own BEGIN/COMMIT (executescript runs it as written).
    id_col = ("id integer NOT NULL PRIMARY KEY AUTOINCREMENT" if backend == "sqlite"
              else "id serial PRIMARY KEY")
    out = ["BEGIN;"] if backend == "sqlite" else []
    for i in range(n):
        t, p = table(i), parent(i)
        cols = [id_col]
        if p:
            cols.append("parent_id integer NOT NULL")
        cols += ["name varchar(255) NOT NULL", "note text", "created_at timestamp NOT NULL"]
        if p:
            cols.append(f'CONSTRAINT "fk-{t}-parent_id" FOREIGN KEY (parent_id) '
                        f"REFERENCES {p} (id) ON DELETE CASCADE")
        out.append(f"CREATE TABLE {t} ({', '.join(cols)});")
        out.append(f'CREATE INDEX "idx-{t}-name" ON {t} (name);')
    if backend == "sqlite":
        out.append("COMMIT;")
    return "\n".join(out) + "\n"


# --- plumbing -----------------------------------------------------------------------

def alembic_env(root, with_models):
    env = root / "alembic/env.py"
    text = env.read_text()
    if "DATABASE_URL" in text:
        return
    text = "import os\nimport sys\n" + text
    text = text.replace("config = context.config\n", (
        "config = context.config\n"
        "# scripts/bench: the database comes from DATABASE_URL, as for manage.\n"
        'config.set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"])\n'), 1)
    if with_models:
        text = text.replace("target_metadata = None\n", (
            "sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))\n"
            "from models import Base  # noqa: E402\n\n"
            "target_metadata = Base.metadata\n"), 1)
    env.write_text(text)


def sync(src, dst):
    dst.mkdir(parents=True, exist_ok=True)
    for path in sorted(src.rglob("*")):
        target = dst / path.relative_to(src)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif not target.is_file() or target.read_bytes() != path.read_bytes():
            target.write_bytes(path.read_bytes())
    for path in sorted(dst.rglob("*"), reverse=True):
        if not (src / path.relative_to(dst)).exists():
            path.rmdir() if path.is_dir() else path.unlink()


def count_tables(url):
    query_sqlite = ("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                    "AND name GLOB 't[0-9][0-9][0-9][0-9]'")
    query_pg = ("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename ~ '^t[0-9]{4}$'")
    if url.startswith("sqlite:"):
        import sqlite3
        path = url.split("://", 1)[1].split("?", 1)[0]
        with sqlite3.connect(path) as db:
            return db.execute(query_sqlite).fetchone()[0]
    import psycopg2
    with psycopg2.connect(url) as db, db.cursor() as cur:
        cur.execute(query_pg)
        return cur.fetchone()[0]


def main(argv):
    command = argv[1]
    if command == "floor-sql":
        sys.stdout.write(floor_sql(int(argv[2]), argv[3]))
    elif command == "count-tables":
        print(count_tables(argv[2]))
    elif command == "alembic-env":
        alembic_env(pathlib.Path(argv[2]), argv[3:] == ["models"])
    elif command == "sync":
        sync(pathlib.Path(argv[2]), pathlib.Path(argv[3]))
    else:
        generate = {"manage-apply": manage_apply, "stock-apply": stock_apply,
                    "alembic-apply": alembic_apply,
                    "alembic-models": alembic_models}[command]
        generate(int(argv[2]), pathlib.Path(argv[3]))


if __name__ == "__main__":
    main(sys.argv)
