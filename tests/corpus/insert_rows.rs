// expect: post=data
use sea_orm_migration::prelude::*;
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let insert = Query::insert()
            .into_table(Post::Table)
            .columns([Post::Title])
            .values_panic(["Hello".into()])
            .to_owned();
        manager.exec_stmt(insert).await
    }
}
#[derive(DeriveIden)]
enum Post { Table, Title }
