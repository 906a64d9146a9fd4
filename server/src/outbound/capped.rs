//! Answers read with a size limit: a runaway or hostile server cannot make
//! ScoreNow buffer more than any real answer needs.

use bytes::{Bytes, BytesMut};

/// Largest answer read from ServiceNow, Graph or the identity platform. A
/// full sync page (1,000 records of five fields) is about 200 KB.
pub const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// Why an answer could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("the answer is larger than {max} bytes")]
    TooLarge { max: usize },
    #[error(transparent)]
    Transport(#[from] reqwest::Error),
}

/// The whole body of `response`, refusing more than `max` bytes (without
/// reading them: a declared length is checked first).
pub async fn read_capped(mut response: reqwest::Response, max: usize) -> Result<Bytes, BodyError> {
    if response
        .content_length()
        .is_some_and(|length| length > max as u64)
    {
        return Err(BodyError::TooLarge { max });
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > max {
            return Err(BodyError::TooLarge { max });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// An answer of the `oauth2` crate's HTTP client.
type OAuthAnswer =
    std::pin::Pin<Box<dyn Future<Output = Result<oauth2::HttpResponse, BodyError>> + Send>>;

/// `http` as the `oauth2` crate's asynchronous HTTP client, answers capped.
pub fn oauth_client(http: &reqwest::Client) -> impl Fn(oauth2::HttpRequest) -> OAuthAnswer {
    let http = http.clone();
    move |request| {
        let http = http.clone();
        Box::pin(async move { oauth_request(&http, request).await })
    }
}

/// Sends an `oauth2` crate request through `http`, its answer read capped
/// at [`MAX_ANSWER_BYTES`].
async fn oauth_request(
    http: &reqwest::Client,
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, BodyError> {
    let (parts, body) = request.into_parts();
    let response = http
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await
        .map_err(reqwest::Error::without_url)?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = read_capped(response, MAX_ANSWER_BYTES).await?;
    let mut answer = http::Response::new(body.to_vec());
    *answer.status_mut() = status;
    *answer.headers_mut() = headers;
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::{Router, body::Body, routing::get};

    /// A server on a free port answering `/` with `bytes` bytes, streamed
    /// (no length) or not; its address.
    async fn serve(bytes: usize, streamed: bool) -> String {
        let app = Router::new().route(
            "/",
            get(move || async move {
                let body = vec![b'x'; bytes];
                if streamed {
                    let chunks = body
                        .chunks(4096)
                        .map(|c| Ok::<_, std::io::Error>(c.to_vec()));
                    Body::from_stream(futures_util::stream::iter(chunks.collect::<Vec<_>>()))
                } else {
                    Body::from(body)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{address}/")
    }

    #[tokio::test]
    async fn answers_over_the_limit_are_refused_whether_declared_or_streamed() {
        let http = reqwest::Client::new();
        for streamed in [false, true] {
            let url = serve(100_000, streamed).await;
            let small = http.get(&url).send().await.unwrap();
            assert_eq!(read_capped(small, 100_000).await.unwrap().len(), 100_000);
            let large = http.get(&url).send().await.unwrap();
            assert!(
                matches!(
                    read_capped(large, 99_999).await,
                    Err(BodyError::TooLarge { max: 99_999 })
                ),
                "streamed: {streamed}"
            );
        }
    }
}
