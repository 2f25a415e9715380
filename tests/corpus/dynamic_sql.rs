// expect-opaque
use sea_orm_migration::prelude::*;
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["a", "b"] {
            let sql = format!("DROP TABLE {table}");
            manager.get_connection().execute_unprepared(&sql).await?;
        }
        Ok(())
    }
}
