//! A tiny Chrome DevTools Protocol client for the browser test: starts headless Chromium
//! with a throw-away profile and no background networking, opens one page, records console
//! errors, network requests and JavaScript dialogs, evaluates expressions and takes
//! screenshots. Blocking, one WebSocket, no async runtime.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

/// `$CHROMIUM`, else the first of the usual Debian / other names on PATH.
pub fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for name in [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ] {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

#[derive(Debug, Default)]
pub struct Problems {
    pub console_errors: Vec<String>,
    pub requests: Vec<String>,
    pub dialogs: Vec<String>,
}

pub struct Page {
    child: Child,
    ws: WebSocket<TcpStream>,
    session: String,
    next_id: u64,
    problems: Problems,
    _profile: tempfile::TempDir,
}

type Result<T> = std::result::Result<T, String>;

impl Page {
    pub fn launch(browser: &Path, scratch: &Path) -> Result<Page> {
        let profile = tempfile::Builder::new()
            .prefix("chromium-profile")
            .tempdir_in(scratch)
            .map_err(|e| e.to_string())?;
        let mut child = Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--remote-debugging-port=0",
                "--window-size=1280,900",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting {}: {e}", browser.display()))?;
        // Chromium prints "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID".
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(|l| l.ok()) {
                if let Some(url) = line.split("DevTools listening on ").nth(1) {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                return Err("chromium did not report a DevTools endpoint within 30 s".into());
            }
        };
        let addr = url
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .unwrap()
            .to_string();
        let stream = TcpStream::connect(&addr).map_err(|e| e.to_string())?;
        // Blocking handshake first; then short read timeouts so event loops can poll.
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let (ws, _) = tungstenite::client(url.as_str(), stream).map_err(|e| e.to_string())?;
        ws.get_ref()
            .set_read_timeout(Some(Duration::from_millis(250)))
            .unwrap();
        let mut page = Page {
            child,
            ws,
            session: String::new(),
            next_id: 0,
            problems: Problems::default(),
            _profile: profile,
        };
        let target = page.call_browser("Target.createTarget", json!({ "url": "about:blank" }))?;
        let target_id = target["targetId"]
            .as_str()
            .ok_or("no targetId")?
            .to_string();
        let attached = page.call_browser(
            "Target.attachToTarget",
            json!({ "targetId": target_id, "flatten": true }),
        )?;
        page.session = attached["sessionId"]
            .as_str()
            .ok_or("no sessionId")?
            .to_string();
        for method in [
            "Runtime.enable",
            "Log.enable",
            "Network.enable",
            "Page.enable",
        ] {
            page.call(method, json!({}))?;
        }
        page.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false }),
        )?;
        Ok(page)
    }

    fn send(&mut self, session: Option<&str>, method: &str, params: Value) -> Result<u64> {
        self.next_id += 1;
        let mut msg = json!({ "id": self.next_id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        self.ws
            .send(Message::text(msg.to_string()))
            .map_err(|e| e.to_string())?;
        Ok(self.next_id)
    }

    /// Reads one message; `None` on timeout.
    fn read(&mut self) -> Result<Option<Value>> {
        match self.ws.read() {
            Ok(Message::Text(t)) => serde_json::from_str(t.as_str())
                .map(Some)
                .map_err(|e| e.to_string()),
            Ok(_) => Ok(None),
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e.to_string()),
        }
    }

    fn event(&mut self, v: &Value) {
        let p = &v["params"];
        match v["method"].as_str().unwrap_or("") {
            "Runtime.consoleAPICalled"
                if matches!(p["type"].as_str(), Some("error" | "assert")) =>
            {
                self.problems.console_errors.push(p["args"].to_string())
            }
            "Runtime.exceptionThrown" => self
                .problems
                .console_errors
                .push(p["exceptionDetails"].to_string()),
            "Log.entryAdded" if p["entry"]["level"] == "error" => self
                .problems
                .console_errors
                .push(p["entry"]["text"].to_string()),
            "Network.requestWillBeSent" => {
                let url = p["request"]["url"].as_str().unwrap_or("").to_string();
                if !(url.starts_with("file:")
                    || url.starts_with("about:")
                    || url.starts_with("data:"))
                {
                    self.problems.requests.push(url);
                }
            }
            "Page.javascriptDialogOpening" => {
                self.problems.dialogs.push(p["message"].to_string());
                let _ = self.send(
                    Some(&self.session.clone()),
                    "Page.handleJavaScriptDialog",
                    json!({ "accept": true }),
                );
            }
            _ => {}
        }
    }

    /// Waits for the response to `id`, or for an event named `until` when given.
    fn wait(&mut self, id: Option<u64>, until: Option<&str>) -> Result<Value> {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let Some(v) = self.read()? else { continue };
            if id.is_some() && v["id"].as_u64() == id {
                if let Some(err) = v.get("error") {
                    return Err(err.to_string());
                }
                return Ok(v["result"].clone());
            }
            if v.get("method").is_some() {
                self.event(&v);
                if until.is_some() && v["method"].as_str() == until {
                    return Ok(v["params"].clone());
                }
            }
        }
        Err(format!("timed out waiting for {id:?} {until:?}"))
    }

    fn call_browser(&mut self, method: &str, params: Value) -> Result<Value> {
        let id = self.send(None, method, params)?;
        self.wait(Some(id), None)
    }

    pub fn call(&mut self, method: &str, params: Value) -> Result<Value> {
        let session = self.session.clone();
        let id = self.send(Some(&session), method, params)?;
        self.wait(Some(id), None)
    }

    pub fn navigate(&mut self, url: &str) -> Result<()> {
        self.call("Page.navigate", json!({ "url": url }))?;
        self.wait(None, Some("Page.loadEventFired"))?;
        Ok(())
    }

    /// Evaluates an expression and returns its value.
    pub fn eval(&mut self, expression: &str) -> Result<Value> {
        let r = self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true }),
        )?;
        if let Some(ex) = r.get("exceptionDetails") {
            return Err(format!("{expression}: {ex}"));
        }
        Ok(r["result"]["value"].clone())
    }

    pub fn screenshot(&mut self, path: &Path) -> Result<()> {
        use base64::Engine as _;
        let r = self.call("Page.captureScreenshot", json!({ "format": "png" }))?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(r["data"].as_str().ok_or("no screenshot data")?)
            .map_err(|e| e.to_string())?;
        std::fs::write(path, png).map_err(|e| e.to_string())
    }

    /// Drains late events, closes the browser and returns what went wrong on the page.
    pub fn finish(mut self) -> Problems {
        let until = Instant::now() + Duration::from_millis(500);
        while Instant::now() < until {
            match self.read() {
                Ok(Some(v)) if v.get("method").is_some() => self.event(&v),
                Ok(_) => {}
                Err(_) => break,
            }
        }
        let _ = self.send(None, "Browser.close", json!({}));
        std::mem::take(&mut self.problems)
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
