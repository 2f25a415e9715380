"""Writes the N-table projects that `scripts/bench` times, and their equivalents in
the peers it compares manage with.

    make_project        a manage project of N entities built from this repository's
                        engine: what makemigrations, autogen and loop time, and (with
                        no entities) the frame of the apply project
    manage_apply        models and N hand-written migrations for the apply project
    stock_apply         the same N migration files in a crate of stock
                        sea-orm-migration: what `sea-orm-cli migrate init` makes, its
                        binary running `run_cli`
    alembic_apply       N chained Alembic revisions in DIR/versions
    alembic_models      the SQLAlchemy twin of make_project's N entities, as the
                        package DIR/models (one module per table)
    floor_sql           the same DDL as one plain SQL script
    alembic_env         makes the env.py of `alembic init DIR` read DATABASE_URL (and
                        DIR/models for autogenerate)
    sync                makes DST a copy of SRC, rewriting only files that differ, so
                        that cargo rebuilds only what changed

The apply history is the same in all four: migration i creates table t{i:04}
(id integer primary key autoincrement, parent_id integer not null referencing the
previous table ON DELETE CASCADE, name varchar(255) not null with an index, note text
null, created_at timestamp not null) and its index.
"""

import re
import shutil
import sys


def table(i):
    return f"t{i:04}"


def parent(i):
    return table(i - 1) if i > 0 else None


def migration_name(i):
    # A valid mYYYYMMDD_HHMMSS_ name, one second apart, so the names sort in order.
    return f"m20260101_{i // 3600:02}{i // 60 % 60:02}{i % 60:02}_create_{table(i)}"


# --- a manage project built from this repository's engine ------------------------

def make_project(repo, n, root, prefix="bench"):
    """A project at ROOT with N entities and no migrations, built from REPO's engine.
    PREFIX names its crates PREFIX-models, PREFIX-migrations and its binary
    manage-PREFIX."""
    for crate in ("models", "migrations"):
        shutil.rmtree(root / crate, ignore_errors=True)
        (root / crate / "src").mkdir(parents=True)
        # Crates of their own name: cargo names path packages' artifacts by name and
        # relative path, so plain `models` would overwrite the repository's in target/.
        manifest = (repo / crate / "Cargo.toml").read_text()
        manifest = re.sub(f'^name = "{crate}"', f'name = "{prefix}-{crate}"', manifest,
                          flags=re.M)
        # The migration crate's build script lists its directory (manage-build).
        manifest = manifest.replace('path = "../build-support"', f'path = "{repo}/build-support"')
        (root / crate / "Cargo.toml").write_text(manifest)
        if (repo / crate / "build.rs").is_file():
            shutil.copyfile(repo / crate / "build.rs", root / crate / "build.rs")
    shutil.copyfile(repo / "Cargo.lock", root / "Cargo.lock")
    shutil.copyfile(repo / "build.rs", root / "build.rs")
    manifest = (repo / "Cargo.toml").read_text()
    for old, new in [
        ('name = "manage"', f'name = "manage-{prefix}"'),
        ('models = { path = "models" }',
         f'models = {{ path = "models", package = "{prefix}-models" }}'),
        ('migrations = { path = "migrations" }',
         f'migrations = {{ path = "migrations", package = "{prefix}-migrations" }}'),
        ('default-run = "manage"', f'default-run = "manage-{prefix}"'),
        ('members = [".", "engine", "build-support", "migration-files", "migration-facts", "models", "migrations"]',
         'members = [".", "models", "migrations"]'),
        ('path = "engine"', f'path = "{repo}/engine"'),
        ('path = "build-support"', f'path = "{repo}/build-support"'),
        ("\n[dependencies]\n",
         f'\n[[bin]]\nname = "manage-{prefix}"\npath = "{repo}/src/main.rs"\n\n[dependencies]\n'),
    ]:
        if old not in manifest:
            sys.exit(f"Cargo.toml no longer has {old!r}: update scripts/benchlib/gen.py")
        manifest = manifest.replace(old, new, 1)
    (root / "Cargo.toml").write_text(manifest)
    (root / "migrations/src/lib.rs").write_text(
        "pub use sea_orm_migration::prelude::*;\n\npub struct Migrator;\n\n"
        "#[async_trait::async_trait]\nimpl MigratorTrait for Migrator {\n"
        "    fn migrations() -> Vec<Box<dyn MigrationTrait>> {\n        vec![]\n    }\n}\n")
    (root / "models/src/lib.rs").write_text(models_lib(n))
    for i in range(n):
        (root / f"models/src/{table(i)}.rs").write_text(project_entity(i))


def entity(i, columns):
    """Entity t{i:04}: an id, a parent_id referencing the table before (cascading),
    then COLUMNS (Rust fields with their attributes)."""
    t, p = table(i), parent(i)
    relation = (
        f'    #[sea_orm(belongs_to = "super::{p}::Entity", from = "Column::ParentId", '
        f'to = "super::{p}::Column::Id", on_delete = "Cascade")]\n    Parent,\n'
        if p else "")
    parent_col = "    pub parent_id: i32,\n" if p else ""
    return (
        "use sea_orm::entity::prelude::*;\n\n"
        "#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]\n"
        f'#[sea_orm(table_name = "{t}")]\n'
        "pub struct Model {\n    #[sea_orm(primary_key)]\n    pub id: i32,\n"
        f"{parent_col}{columns}}}\n\n"
        "#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]\n"
        f"pub enum Relation {{\n{relation}}}\n\n"
        "impl ActiveModelBehavior for ActiveModel {}\n")


def project_entity(i):
    return entity(i, (
        "    #[sea_orm(indexed)]\n    pub name: String,\n"
        "    pub note: Option<String>,\n    #[sea_orm(default_value = 0)]\n    pub score: i32,\n"
        "    pub created_at: DateTimeUtc,\n"))


def models_lib(n):
    """The models crate's root: one public module per entity."""
    return "".join(f"pub mod {table(i)};\n" for i in range(n))


# The code a project made by make_project depends on: a project is remade when it
# changes (see scripts/bench).
MAKE_PROJECT = (make_project, project_entity, entity, models_lib, table, parent)


# --- manage: the apply history's entities and sea-orm-migration files -------------

def manage_entity(i):
    return entity(i, (
        '    #[sea_orm(indexed, column_type = "String(StringLen::N(255))")]\n'
        "    pub name: String,\n"
        '    #[sea_orm(column_type = "Text", nullable)]\n    pub note: Option<String>,\n'
        '    #[sea_orm(column_type = "Timestamp")]\n    pub created_at: DateTime,\n'))


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

def floor_sql(n, backend, per_migration=False):
    # psql --single-transaction wraps the PostgreSQL script; SQLite's script carries
    # its own BEGIN/COMMIT (executescript runs it as written). per_migration: each
    # migration's statements in a transaction of their own, in both (the commits a
    # tool that commits every migration cannot avoid; psql runs it without
    # --single-transaction).
    id_col = ("id integer NOT NULL PRIMARY KEY AUTOINCREMENT" if backend == "sqlite"
              else "id serial PRIMARY KEY")
    out = ["BEGIN;"] if backend == "sqlite" and not per_migration else []
    for i in range(n):
        t, p = table(i), parent(i)
        cols = [id_col]
        if p:
            cols.append("parent_id integer NOT NULL")
        cols += ["name varchar(255) NOT NULL", "note text", "created_at timestamp NOT NULL"]
        if p:
            cols.append(f'CONSTRAINT "fk-{t}-parent_id" FOREIGN KEY (parent_id) '
                        f"REFERENCES {p} (id) ON DELETE CASCADE")
        statements = [f"CREATE TABLE {t} ({', '.join(cols)});",
                      f'CREATE INDEX "idx-{t}-name" ON {t} (name);']
        out += ["BEGIN;", *statements, "COMMIT;"] if per_migration else statements
    if backend == "sqlite" and not per_migration:
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
