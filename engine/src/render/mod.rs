//! A schema shown to people, by `manage schema`: the SQL that creates it on one backend,
//! and diagrams (Mermaid, Graphviz).

pub mod diagram;
pub mod sql_script;
