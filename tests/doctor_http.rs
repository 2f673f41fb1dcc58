//! The shared HTTP helper: 429 and 503 are retried a bounded number of times, waiting as
//! `Retry-After` says; other statuses are not retried; a reset is retried once; a request never
//! outlives its timeout; `http://` goes to loopback only. A tiny scripted server on loopback
//! answers each connection with the next canned response. No test asserts a duration.

use authcheck_live::http::{Chain, Http, HttpError, Limits, Req};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What the server does with one connection.
#[derive(Clone)]
enum Answer {
    Status(u16, &'static str),
    Reset,
    Silent,
}

async fn serve(script: Vec<Answer>) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let n = h.fetch_add(1, Ordering::SeqCst);
            let answer = script
                .get(n)
                .cloned()
                .unwrap_or_else(|| script.last().unwrap().clone());
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                match answer {
                    Answer::Status(code, extra) => {
                        let body = "{}";
                        let resp = format!(
                            "HTTP/1.1 {code} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{extra}\r\n{body}",
                            body.len()
                        );
                        let _ = sock.write_all(resp.as_bytes()).await;
                    }
                    Answer::Reset => {
                        let _ = sock.set_zero_linger();
                        drop(sock);
                    }
                    Answer::Silent => {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                    }
                }
            });
        }
    });
    (format!("http://{addr}/x"), hits)
}

fn client(retries: u32) -> Http {
    Http::new(
        Limits {
            timeout: Duration::from_secs(1),
            max_retries: retries,
            max_wait: Duration::from_millis(50),
            base_wait: Duration::from_millis(10),
        },
        None,
    )
    .unwrap()
}

#[tokio::test]
async fn a_throttle_that_clears_is_retried_until_it_does() {
    let (url, hits) = serve(vec![
        Answer::Status(429, "retry-after: 0\r\n"),
        Answer::Status(503, "retry-after: 0\r\n"),
        Answer::Status(200, ""),
    ])
    .await;
    let (r, _) = client(2).send(&Req::get(&url, "t"), Chain::default()).await;
    let r = r.unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.attempts, 3);
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_throttle_storm_gives_up_after_the_bound() {
    let (url, hits) = serve(vec![Answer::Status(429, "retry-after: 0\r\n")]).await;
    let http = client(3);
    let (r, _) = http.send(&Req::get(&url, "t"), Chain::default()).await;
    assert_eq!(r.unwrap().status, 429);
    assert_eq!(hits.load(Ordering::SeqCst), 4);
    assert_eq!(http.sent()[0].attempts, 4);
}

#[tokio::test]
async fn a_retry_after_beyond_the_longest_wait_is_not_cut_short() {
    let (url, hits) = serve(vec![
        Answer::Status(503, "retry-after: 60\r\n"),
        Answer::Status(200, ""),
    ])
    .await;
    let (r, _) = client(3).send(&Req::get(&url, "t"), Chain::default()).await;
    let r = r.unwrap();
    assert_eq!(r.status, 503);
    assert_eq!(r.retry_after(), Some(60));
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn other_errors_are_not_retried() {
    let (url, hits) = serve(vec![Answer::Status(500, ""), Answer::Status(200, "")]).await;
    let (r, _) = client(3).send(&Req::get(&url, "t"), Chain::default()).await;
    assert_eq!(r.unwrap().status, 500);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_reset_is_retried_once() {
    let (url, hits) = serve(vec![Answer::Reset, Answer::Reset, Answer::Status(200, "")]).await;
    let (r, _) = client(3).send(&Req::get(&url, "t"), Chain::default()).await;
    assert!(
        matches!(
            r,
            Err(HttpError::Connect { .. }) | Err(HttpError::Body { .. })
        ),
        "{r:?}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_silent_server_times_out() {
    let (url, _) = serve(vec![Answer::Silent]).await;
    let (r, _) = client(0).send(&Req::get(&url, "t"), Chain::default()).await;
    assert!(matches!(r, Err(HttpError::Timeout { .. })), "{r:?}");
}

#[tokio::test]
async fn plain_http_to_a_remote_host_is_refused_before_sending() {
    let (r, _) = client(0)
        .send(
            &Req::get("http://login.microsoftonline.com/x", "t"),
            Chain::default(),
        )
        .await;
    assert!(matches!(r, Err(HttpError::Refused { .. })), "{r:?}");
}

#[tokio::test]
async fn the_chain_grows_by_each_request() {
    let (url, _) = serve(vec![Answer::Status(200, "")]).await;
    let http = client(0);
    let (_, c1) = http.send(&Req::get(&url, "a"), Chain::default()).await;
    let (_, c2) = http.send(&Req::get(&url, "b"), c1).await;
    assert!(c2 > c1);
    let sent = http.sent();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].chain, c2.0);
}
