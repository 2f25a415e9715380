// expect: posts=alter
use sea_orm_migration::prelude::*;
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("posts"))
                    .add_column(ColumnDef::new(Alias::new("views")).integer().default(0))
                    .to_owned(),
            )
            .await
    }
}
