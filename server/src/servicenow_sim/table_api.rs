//! The Table API: `/api/now/[v1|v2/]table/{table}[/{sys_id}]`.

use super::{
    ApiError, SimState,
    auth::Caller,
    faults::{CROSS_SCOPE_MESSAGE, WriteVerdict},
    query::Query,
    schema::Table,
    state::{Record, WriteError, now_string},
};
use axum::{
    Json,
    body::Bytes,
    extract::{Path, Query as QueryString, State},
    http::{HeaderMap, HeaderValue, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value, json};
use std::{collections::HashMap, sync::Arc};

/// Default and maximum page size when `sysparm_limit` is absent.
const DEFAULT_LIMIT: usize = 10_000;

/// Which API version the path named; the unversioned path is the latest (v2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Version {
    V1,
    V2,
}

type Params = QueryString<HashMap<String, String>>;

/// Path of a collection, with or without a version segment.
#[derive(serde::Deserialize)]
pub struct CollectionPath {
    version: Option<String>,
    table: String,
}

/// Path of one record, with or without a version segment.
#[derive(serde::Deserialize)]
pub struct RecordPath {
    version: Option<String>,
    table: String,
    sys_id: String,
}

/// The table and version a request addresses, or the error a real instance gives.
fn resolve(version: Option<&str>, table: &str) -> Result<(Table, Version), ApiError> {
    let version = match version {
        None | Some("v2") => Version::V2,
        Some("v1") => Version::V1,
        Some(other) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "Requested URI does not represent any resource",
                other,
            ));
        }
    };
    Ok((table_named(table)?, version))
}

/// The table called `name`, or the 400 a real instance gives for an unknown one.
pub fn table_named(name: &str) -> Result<Table, ApiError> {
    Table::from_name(name)
        .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, format!("Invalid table {name}"), ""))
}

/// `GET` of a collection: filtered, ordered, paginated.
pub async fn list(
    State(state): State<Arc<SimState>>,
    caller: Caller,
    Path(path): Path<CollectionPath>,
    QueryString(params): Params,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let (table, version) = resolve(path.version.as_deref(), &path.table)?;
    refuse_cross_scope_read(&state, table)?;
    let encoded = caller.expand_session_values(param(&params, "sysparm_query"));
    let query = Query::parse(&encoded, |field| table.has_field(field));
    let offset = param(&params, "sysparm_offset")
        .parse::<usize>()
        .unwrap_or(0);
    let limit = param(&params, "sysparm_limit")
        .parse::<usize>()
        .ok()
        .filter(|l| *l > 0)
        .unwrap_or(DEFAULT_LIMIT);
    let render = Renderer::new(&state, &params, &headers);

    let hidden = state.faults().hide_own_records;
    let instance = state.instance();
    let mut matching: Vec<&Record> = instance
        .records(table)
        .filter(|record| !(hidden && created_by(record, &caller)))
        .filter(|record| query.matches(|field| record.get(field).map(String::as_str)))
        .collect();
    query.sort(&mut matching, |record, field| {
        record.get(field).map(String::as_str)
    });
    let total = matching.len();
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|record| render.record(&instance, table, record))
        .collect();
    drop(instance);

    if page.is_empty() && version == Version::V1 {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "No Record found",
            "Records not found",
        ));
    }
    let mut response = Json(json!({ "result": page })).into_response();
    let response_headers = response.headers_mut();
    if param(&params, "sysparm_no_count") != "true"
        && let Ok(value) = HeaderValue::from_str(&total.to_string())
    {
        response_headers.insert("x-total-count", value);
    }
    if let Some(link) = pagination_link(&render.base_url, uri.path(), &params, offset, limit, total)
        && let Ok(value) = HeaderValue::from_str(&link)
    {
        response_headers.insert(header::LINK, value);
    }
    Ok(response)
}

/// `GET` of one record.
pub async fn get(
    State(state): State<Arc<SimState>>,
    caller: Caller,
    Path(path): Path<RecordPath>,
    QueryString(params): Params,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (table, _) = resolve(path.version.as_deref(), &path.table)?;
    refuse_cross_scope_read(&state, table)?;
    let render = Renderer::new(&state, &params, &headers);
    let hidden = state.faults().hide_own_records;
    let instance = state.instance();
    let record = instance
        .get(table, &path.sys_id)
        .filter(|record| !(hidden && created_by(record, &caller)))
        .ok_or_else(not_found)?;
    Ok(Json(json!({ "result": render.record(&instance, table, record) })).into_response())
}

/// `POST` to a collection: creates a record, 201 with `Location`.
pub async fn create(
    State(state): State<Arc<SimState>>,
    caller: Caller,
    Path(path): Path<CollectionPath>,
    QueryString(params): Params,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let table = writable(path.version.as_deref(), &path.table)?;
    let input = parse_body(&headers, &body)?;
    let verdict = write_verdict(&state)?;
    if let WriteVerdict::CommitLate(delay) = verdict {
        let stamp = now_string();
        commit_later(state, delay, move |state| {
            let mut instance = state.instance_mut();
            let record = instance.insert(table, input, &caller.user_name, &caller.user_sys_id);
            instance.backdate(table, &record["sys_id"], &stamp);
            state.mark_dirty();
        });
        return Err(gateway_timeout());
    }
    let render = Renderer::new(&state, &params, &headers);
    let mut instance = state.instance_mut();
    let record = instance.insert(table, input, &caller.user_name, &caller.user_sys_id);
    state.mark_dirty();
    let location = format!(
        "{}/api/now/table/{}/{}",
        render.base_url,
        table.name(),
        record["sys_id"]
    );
    let body = json!({ "result": render.record(&instance, table, &record) });
    drop(instance);
    if verdict == WriteVerdict::CommitThen504 {
        return Err(gateway_timeout());
    }

    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// `PATCH` or `PUT` of one record.
pub async fn update(
    State(state): State<Arc<SimState>>,
    caller: Caller,
    Path(path): Path<RecordPath>,
    QueryString(params): Params,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let table = writable(path.version.as_deref(), &path.table)?;
    let input = parse_body(&headers, &body)?;
    let verdict = write_verdict(&state)?;
    let sys_id = path.sys_id;
    if let WriteVerdict::CommitLate(delay) = verdict {
        let stamp = now_string();
        commit_later(state, delay, move |state| {
            let mut instance = state.instance_mut();
            if instance
                .update(table, &sys_id, input, &caller.user_name)
                .is_ok()
            {
                instance.backdate(table, &sys_id, &stamp);
                state.mark_dirty();
            }
        });
        return Err(gateway_timeout());
    }
    let render = Renderer::new(&state, &params, &headers);
    let mut instance = state.instance_mut();
    let record = instance
        .update(table, &sys_id, input, &caller.user_name)
        .map_err(|WriteError::NotFound| not_found())?;
    let response =
        Json(json!({ "result": render.record(&instance, table, &record) })).into_response();
    drop(instance);
    state.mark_dirty();
    if verdict == WriteVerdict::CommitThen504 {
        return Err(gateway_timeout());
    }
    Ok(response)
}

/// The write fault in force for this request; a refusal is the 403 of an ACL.
fn write_verdict(state: &SimState) -> Result<WriteVerdict, ApiError> {
    match state.faults().decide_write() {
        WriteVerdict::Refused => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Operation Failed",
            "ACL Exception Update Failed due to security constraints",
        )),
        verdict => Ok(verdict),
    }
}

/// Runs `commit` on the instance after `delay`, as a slow transaction would.
fn commit_later(
    state: Arc<SimState>,
    delay: std::time::Duration,
    commit: impl FnOnce(&SimState) + Send + 'static,
) {
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        commit(&state);
    });
}

/// The 504 a load balancer answers when the instance is slow.
fn gateway_timeout() -> ApiError {
    ApiError::new(
        StatusCode::GATEWAY_TIMEOUT,
        "Gateway Timeout",
        "The upstream instance did not answer in time",
    )
}

/// `DELETE` of one record: 204.
pub async fn delete(
    State(state): State<Arc<SimState>>,
    _caller: Caller,
    Path(path): Path<RecordPath>,
) -> Result<StatusCode, ApiError> {
    let table = writable(path.version.as_deref(), &path.table)?;
    state
        .instance_mut()
        .delete(table, &path.sys_id)
        .map_err(|WriteError::NotFound| not_found())?;
    state.mark_dirty();
    Ok(StatusCode::NO_CONTENT)
}

/// Whether `caller` created `record` (what the ACL-hiding fault hides).
fn created_by(record: &Record, caller: &Caller) -> bool {
    record.get("sys_created_by") == Some(&caller.user_name)
}

fn writable(version: Option<&str>, table: &str) -> Result<Table, ApiError> {
    let (table, _) = resolve(version, table)?;
    if table.writable() {
        Ok(table)
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Operation Failed",
            "ACL Exception Insert Failed due to security constraints",
        ))
    }
}

/// The 403 of a read refused by the cross-scope policy fault.
pub fn refuse_cross_scope_read(state: &SimState, table: Table) -> Result<(), ApiError> {
    if table == Table::OauthEntity && state.faults().cross_scope_oauth_entity {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            CROSS_SCOPE_MESSAGE,
            "Access denied by the cross-scope access policy",
        ));
    }
    Ok(())
}

fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "No Record found",
        "Record doesn't exist or ACL restricts the record retrieval",
    )
}

/// A query parameter, empty when absent.
pub fn param<'a>(params: &'a HashMap<String, String>, name: &str) -> &'a str {
    params.get(name).map_or("", String::as_str)
}

/// Reads a JSON object body; every value is stored as a string.
fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<Record, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    if !content_type.starts_with("application/json") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported Media Type",
            content_type,
        ));
    }
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "Exception while reading request",
            "The payload is not valid JSON.",
        ));
    };
    Ok(object
        .into_iter()
        .map(|(field, value)| {
            let text = match value {
                Value::String(text) => text,
                Value::Null => String::new(),
                Value::Object(ref reference) => reference
                    .get("value")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                other => other.to_string(),
            };
            (field, text)
        })
        .collect())
}

/// How records are written out, per the request's `sysparm_*` parameters.
struct Renderer {
    fields: Option<Vec<String>>,
    display: DisplayValue,
    exclude_reference_link: bool,
    base_url: String,
    /// The caller's time zone, for display values of dates.
    time_zone: jiff::tz::TimeZone,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DisplayValue {
    False,
    True,
    All,
}

impl Renderer {
    fn new(state: &SimState, params: &HashMap<String, String>, headers: &HeaderMap) -> Self {
        let fields = Some(param(params, "sysparm_fields"))
            .filter(|list| !list.is_empty())
            .map(|list| list.split(',').map(|f| f.trim().to_owned()).collect());
        let display = match param(params, "sysparm_display_value") {
            "true" => DisplayValue::True,
            "all" => DisplayValue::All,
            _ => DisplayValue::False,
        };
        Self {
            fields,
            display,
            exclude_reference_link: param(params, "sysparm_exclude_reference_link") == "true",
            base_url: base_url(headers),
            time_zone: user_time_zone(&state.faults().user_time_zone),
        }
    }

    fn record(&self, instance: &super::state::Instance, table: Table, record: &Record) -> Value {
        let names: Vec<&str> = match &self.fields {
            Some(fields) => fields
                .iter()
                .map(String::as_str)
                .filter(|f| table.has_field(f))
                .collect(),
            None => table.fields().collect(),
        };
        let mut out = Map::new();
        for name in names {
            let value = record.get(name).map_or("", String::as_str);
            out.insert(name.to_owned(), self.field(instance, table, name, value));
        }
        Value::Object(out)
    }

    fn field(
        &self,
        instance: &super::state::Instance,
        table: Table,
        name: &str,
        value: &str,
    ) -> Value {
        let reference = table.reference_target(name).filter(|_| !value.is_empty());
        let link = reference
            .filter(|_| !self.exclude_reference_link)
            .map(|target| format!("{}/api/now/table/{target}/{value}", self.base_url));
        let display = match reference {
            Some("sys_user") => instance
                .get(Table::SysUser, value)
                .and_then(|user| user.get("name"))
                .map_or(value.to_owned(), Clone::clone),
            Some(_) => value.to_owned(),
            None if Table::is_date_time(name) => in_time_zone(value, &self.time_zone),
            None => table.choice_label(name, value).unwrap_or(value).to_owned(),
        };
        match (self.display, link) {
            (DisplayValue::False, Some(link)) => json!({ "link": link, "value": value }),
            (DisplayValue::False, None) => json!(value),
            (DisplayValue::True, Some(link)) => json!({ "display_value": display, "link": link }),
            (DisplayValue::True, None) => json!(display),
            (DisplayValue::All, Some(link)) => {
                json!({ "display_value": display, "link": link, "value": value })
            }
            (DisplayValue::All, None) => json!({ "display_value": display, "value": value }),
        }
    }
}

/// The time zone named `name`; GMT when empty or unknown.
fn user_time_zone(name: &str) -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get(name).unwrap_or(jiff::tz::TimeZone::UTC)
}

/// A stored UTC date and time (`yyyy-MM-dd HH:mm:ss`) in `zone`, as a
/// display value shows it; other values as they are.
fn in_time_zone(value: &str, zone: &jiff::tz::TimeZone) -> String {
    jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", value)
        .and_then(|utc| utc.to_zoned(jiff::tz::TimeZone::UTC))
        .map(|utc| {
            utc.with_time_zone(zone.clone())
                .strftime("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|_| value.to_owned())
}

/// The instance's own origin as the client addressed it.
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// The `Link` header for a paginated list, or `None` for a single page.
fn pagination_link(
    base_url: &str,
    path: &str,
    params: &HashMap<String, String>,
    offset: usize,
    limit: usize,
    total: usize,
) -> Option<String> {
    if total <= limit && offset == 0 {
        return None;
    }
    let mut kept: Vec<(&String, &String)> = params
        .iter()
        .filter(|(name, _)| *name != "sysparm_offset" && *name != "sysparm_limit")
        .collect();
    kept.sort();
    let url_for = |page_offset: usize| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in &kept {
            query.append_pair(name, value);
        }
        query.append_pair("sysparm_offset", &page_offset.to_string());
        query.append_pair("sysparm_limit", &limit.to_string());
        format!("<{base_url}{path}?{}>", query.finish())
    };
    let last = if total == 0 {
        0
    } else {
        (total - 1) / limit * limit
    };
    let mut links = vec![format!("{};rel=\"first\"", url_for(0))];
    if offset > 0 {
        links.push(format!(
            "{};rel=\"prev\"",
            url_for(offset.saturating_sub(limit))
        ));
    }
    if offset + limit < total {
        links.push(format!("{};rel=\"next\"", url_for(offset + limit)));
    }
    links.push(format!("{};rel=\"last\"", url_for(last)));
    Some(links.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_values_of_dates_are_in_the_users_time_zone() {
        let pacific = user_time_zone("America/Los_Angeles");
        assert_eq!(
            in_time_zone("2026-11-24 10:00:00", &pacific),
            "2026-11-24 02:00:00"
        );
        assert_eq!(
            in_time_zone("2026-07-01 00:30:00", &pacific),
            "2026-06-30 17:30:00"
        );
        let kolkata = user_time_zone("Asia/Kolkata");
        assert_eq!(
            in_time_zone("2026-11-24 20:00:00", &kolkata),
            "2026-11-25 01:30:00"
        );
        assert_eq!(
            in_time_zone("2026-11-24 10:00:00", &user_time_zone("")),
            "2026-11-24 10:00:00"
        );
        assert_eq!(in_time_zone("", &pacific), "");
    }
}
