//! A real SMTP server on a loopback port for tests and benchmarks: the protocol is `mailin`'s
//! state machine, the sockets are tokio's. It keeps every message it accepts, and refuses the
//! recipients a test names, for good (550) or for now (451).

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use mailin::{Action, Handler, Response, SessionBuilder};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// A message the sink accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent (headers and body, CRLF line ends).
    pub data: String,
}

impl ReceivedMail {
    /// The value of the first header `name` (folded lines joined).
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next()?;
        let mut lines: Vec<String> = Vec::new();
        for line in head.split("\r\n") {
            match lines.last_mut() {
                Some(last) if line.starts_with([' ', '\t']) => last.push_str(line),
                _ => lines.push(line.to_string()),
            }
        }
        let prefix = format!("{}:", name.to_ascii_lowercase());
        lines
            .iter()
            .find(|l| l.to_ascii_lowercase().starts_with(&prefix))
            .map(|l| l[prefix.len()..].trim().to_string())
    }
}

#[derive(Default)]
struct Shared {
    received: Vec<ReceivedMail>,
    refuse: HashSet<String>,
    defer: HashSet<String>,
}

/// The mail server. Dropping it leaves the listener running until the runtime ends.
#[derive(Clone)]
pub struct MailSink {
    pub addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
}

#[derive(Clone)]
struct Session {
    shared: Arc<Mutex<Shared>>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Session {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, from: &str) -> Response {
        self.from = from.to_string();
        self.to.clear();
        self.data.clear();
        mailin::response::OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        let shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        let address = to.to_ascii_lowercase();
        if shared.refuse.contains(&address) {
            return mailin::response::NO_MAILBOX;
        }
        if shared.defer.contains(&address) {
            return Response::custom(451, "Try again later".to_string());
        }
        self.to.push(to.to_string());
        mailin::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let mail = ReceivedMail {
            from: std::mem::take(&mut self.from),
            to: std::mem::take(&mut self.to),
            data: String::from_utf8_lossy(&std::mem::take(&mut self.data)).into_owned(),
        };
        self.shared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .received
            .push(mail);
        mailin::response::OK
    }
}

impl MailSink {
    /// Listens on a free loopback port.
    pub async fn start() -> MailSink {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding the mail sink");
        let addr = listener.local_addr().expect("the mail sink's address");
        let shared = Arc::new(Mutex::new(Shared::default()));
        let sink = MailSink {
            addr,
            shared: shared.clone(),
        };
        tokio::spawn(async move {
            while let Ok((socket, peer)) = listener.accept().await {
                let handler = Session {
                    shared: shared.clone(),
                    from: String::new(),
                    to: Vec::new(),
                    data: Vec::new(),
                };
                tokio::spawn(serve(socket, peer.ip(), handler));
            }
        });
        sink
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every message accepted so far, in order.
    pub fn received(&self) -> Vec<ReceivedMail> {
        self.lock().received.clone()
    }

    /// How many messages were accepted so far.
    pub fn count(&self) -> usize {
        self.lock().received.len()
    }

    /// Refuses `address` for good from now on (550).
    pub fn refuse(&self, address: &str) {
        self.lock().refuse.insert(address.to_ascii_lowercase());
    }

    /// Refuses `address` for now (451) until [`MailSink::accept`].
    pub fn defer(&self, address: &str) {
        self.lock().defer.insert(address.to_ascii_lowercase());
    }

    /// Takes `address` again.
    pub fn accept(&self, address: &str) {
        let mut shared = self.lock();
        shared.refuse.remove(&address.to_ascii_lowercase());
        shared.defer.remove(&address.to_ascii_lowercase());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }
}

async fn serve(socket: tokio::net::TcpStream, peer: IpAddr, handler: Session) {
    let (read, mut write) = socket.into_split();
    let mut session = SessionBuilder::new("sink.test").build(peer, handler);
    let mut reader = BufReader::new(read);
    if write_response(&mut write, &session.greeting())
        .await
        .is_err()
    {
        return;
    }
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let response = session.process(&line);
        match response.action {
            Action::NoReply => continue,
            Action::Close => {
                let _ = write_response(&mut write, &response).await;
                return;
            }
            _ => {
                if write_response(&mut write, &response).await.is_err() {
                    return;
                }
            }
        }
    }
}

async fn write_response(
    write: &mut tokio::net::tcp::OwnedWriteHalf,
    response: &Response,
) -> std::io::Result<()> {
    let bytes = response.buffer()?;
    write.write_all(&bytes).await
}
