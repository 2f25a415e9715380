//! Initial schema: users, events and attendees
//!
//! - Create enum event_status (draft, published, cancelled)
//! - Create table users
//! - Create table events with index idx-events-title
//! - Create table attendees

use sea_orm_migration::prelude::extension::postgres::Type;
use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .create_type(
                    Type::create()
                        .as_enum("event_status")
                        .values(["draft", "published", "cancelled"])
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("users")
                    .col(pk_auto("id"))
                    .col(string_uniq("email"))
                    .col(string("name"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("events")
                    .col(pk_auto("id"))
                    .col(integer("organizer_id"))
                    .col(string("title"))
                    .col(text_null("description"))
                    .col(boolean("is_public").default(false))
                    .col(enumeration(
                        "status",
                        "event_status",
                        ["draft", "published", "cancelled"],
                    ))
                    .col(timestamp_with_time_zone("starts_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-events-organizer_id")
                            .from("events", "organizer_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-events-title")
                    .table("events")
                    .col("title")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("attendees")
                    .col(integer("event_id"))
                    .col(integer("user_id"))
                    .col(timestamp_with_time_zone("registered_at"))
                    .primary_key(Index::create().col("event_id").col("user_id"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-attendees-event_id")
                            .from("attendees", "event_id")
                            .to("events", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-attendees-user_id")
                            .from("attendees", "user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("attendees").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("events").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("users").to_owned())
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .drop_type(Type::drop().name("event_status").to_owned())
                .await?;
        }
        Ok(())
    }
}
