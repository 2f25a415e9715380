// expect: tags=create
use sea_orm_migration::prelude::*;
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("CREATE TABLE \"tags\" (id INTEGER PRIMARY KEY, name TEXT)").await?;
        Ok(())
    }
}
