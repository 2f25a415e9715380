// expect: users=data
use sea_orm_migration::prelude::*;
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let update = Query::update().table(Alias::new("users")).value(Alias::new("active"), true).to_owned();
        manager.exec_stmt(update).await
    }
}
