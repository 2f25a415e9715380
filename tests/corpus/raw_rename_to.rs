// expect: posts=alter articles=alter
// expect-renames: posts->articles
use sea_orm_migration::prelude::*;
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("ALTER TABLE posts RENAME TO articles").await?;
        Ok(())
    }
}
