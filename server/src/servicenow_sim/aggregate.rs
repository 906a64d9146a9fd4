//! The Aggregate API: `/api/now/stats/{table}` — counts, optionally grouped.

use super::{
    ApiError, SimState,
    auth::Caller,
    query::Query,
    table_api::{param, refuse_cross_scope_read, table_named},
};
use axum::{
    Json,
    extract::{Path, Query as QueryString, State},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};
use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
};

/// `GET /api/now/stats/{table}?sysparm_query=…&sysparm_count=true&sysparm_group_by=…`.
pub async fn stats(
    State(state): State<Arc<SimState>>,
    _caller: Caller,
    Path(table): Path<String>,
    QueryString(params): QueryString<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let table = table_named(&table)?;
    refuse_cross_scope_read(&state, table)?;
    let query = Query::parse(param(&params, "sysparm_query"), |field| {
        table.has_field(field)
    });
    let count = param(&params, "sysparm_count") == "true";
    let group_by: Vec<&str> = param(&params, "sysparm_group_by")
        .split(',')
        .map(str::trim)
        .filter(|field| table.has_field(field))
        .collect();

    let instance = state.instance();
    let matching = instance
        .records(table)
        .filter(|record| query.matches(|field| record.get(field).map(String::as_str)));
    let stats = |n: usize| {
        if count {
            json!({ "count": n.to_string() })
        } else {
            json!({})
        }
    };

    let body = if group_by.is_empty() {
        json!({ "result": { "stats": stats(matching.count()) } })
    } else {
        let mut groups: BTreeMap<Vec<String>, usize> = BTreeMap::new();
        for record in matching {
            let key = group_by
                .iter()
                .map(|field| record.get(*field).cloned().unwrap_or_default())
                .collect();
            *groups.entry(key).or_default() += 1;
        }
        let result: Vec<Value> = groups
            .into_iter()
            .map(|(key, n)| {
                let fields: Vec<Value> = group_by
                    .iter()
                    .zip(key)
                    .map(|(field, value)| json!({ "field": field, "value": value }))
                    .collect();
                json!({ "stats": stats(n), "groupby_fields": fields })
            })
            .collect();
        json!({ "result": result })
    };
    Ok(Json(body).into_response())
}
