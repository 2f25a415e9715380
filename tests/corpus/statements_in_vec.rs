// expect: archive=drop audit=drop
// Statements built in a `vec![..]` and run in a loop.
use sea_orm_migration::prelude::*;
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for statement in vec![
            Table::drop().table("archive").to_owned(),
            Table::drop().table("audit").to_owned(),
        ] {
            manager.drop_table(statement).await?;
        }
        Ok(())
    }
}
