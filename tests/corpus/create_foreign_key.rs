// expect: comment=alter post=referenced
use sea_orm_migration::prelude::*;
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_foreign_key(
                ForeignKey::create()
                    .name("fk-comment-post")
                    .from(Comment::Table, Comment::PostId)
                    .to(Post::Table, Post::Id)
                    .on_delete(ForeignKeyAction::Cascade)
                    .to_owned(),
            )
            .await
    }
}
#[derive(DeriveIden)]
enum Comment { Table, PostId }
#[derive(DeriveIden)]
enum Post { Table, Id }
