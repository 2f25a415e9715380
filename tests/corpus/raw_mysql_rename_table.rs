// expect: old_names=alter new_names=alter
// expect-renames: old_names->new_names
use sea_orm_migration::prelude::*;
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("RENAME TABLE `old_names` TO `new_names`").await?;
        Ok(())
    }
}
