// expect: fruit=alter
// A SQLite rebuild as makemigrations writes it: its temporary copy is the table itself.
use sea_orm_migration::{prelude::*, schema::*};
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(Table::create().table("fruit__manage_new").col(pk_auto("id")).col(string("name")).to_owned())
            .await?;
        manager
            .get_connection()
            .execute_unprepared(r#"INSERT INTO "fruit__manage_new" ("id", "name") SELECT "id", "name" FROM "fruit""#)
            .await?;
        manager.drop_table(Table::drop().table("fruit").to_owned()).await?;
        manager
            .rename_table(Table::rename().table("fruit__manage_new", "fruit").to_owned())
            .await?;
        Ok(())
    }
}
