//! The media buttons of `sansrtc serve`, pressed by headless Chromium with its fake camera and
//! microphone (serve_media_page.js): "Play a file to me" plays the server's `--play` clip (VP8
//! IVF made by ffmpeg's testsrc) until the page's getStats shows frames decoded; "Send my
//! camera to disk" until frames were sent; Stop; then the files the server wrote in its
//! `--save-dir` are decoded by ffprobe. Both processes run in namespace A (as in
//! serve_chromium.rs).
//!
//! Run through tests/interop/run.sh.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod media;
mod peers;

use std::time::{Duration, Instant};

use media::Proc;

#[test]
fn the_served_page_plays_a_file_and_sends_the_camera_to_disk() {
    let (ns, _) = media::namespaces();
    let dir = media::scratch("serve");
    let clip = dir.join("clip.ivf");
    media::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=640x480:rate=30",
        "-t",
        "2",
        "-c:v",
        "libvpx",
        "-b:v",
        "1M",
        "-g",
        "30",
        "-deadline",
        "realtime",
        "-cpu-used",
        "8",
        clip.to_str().unwrap(),
    ]);
    let mut server = Proc::spawn(
        "sansrtc serve",
        &ns,
        &media::sansrtc(&[
            "serve",
            "--port",
            "8081",
            "--save-dir",
            dir.to_str().unwrap(),
            "--play",
            clip.to_str().unwrap(),
        ]),
    );
    // The server prints nothing on stdout until a chat line: give it a moment to listen.
    std::thread::sleep(Duration::from_millis(500));
    let mut page = Proc::spawn(
        "serve_media_page.js",
        &ns,
        &[
            "node".to_string(),
            media::dir()
                .join("serve_media_page.js")
                .display()
                .to_string(),
            "--url".into(),
            "http://127.0.0.1:8081/".into(),
            "--min-frames".into(),
            "45".into(),
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(90);
    let result = page.next_json("result", deadline);
    let page_exit = page.wait(deadline);
    // Browser 1 is the page's chat connection, 2 the player, 3 the camera. Its files are
    // closed when the connection closes; give the server a moment.
    let video = dir.join("browser-3.ivf");
    let audio = dir.join("browser-3.ogg");
    let t0 = Instant::now();
    let mut probed = None;
    while t0.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(500));
        if !video.exists() {
            continue;
        }
        let p = media::probe(&video);
        if p.frames > 0 && std::fs::metadata(&audio).is_ok_and(|m| m.len() > 1000) {
            probed = Some(p);
            break;
        }
    }
    server.close_stdin();
    server.wait(Instant::now());
    let server_err = server.stderr();
    eprintln!("page: {result:?}\n--- server stderr\n{server_err}");
    let result = result.unwrap_or_else(|| panic!("no result from the page: {}", page.stderr()));
    assert_eq!(result["ok"], true, "{result}");
    assert_eq!(page_exit, Some(0));
    assert!(
        result["play"]["framesDecoded"].as_u64().unwrap() >= 45,
        "{result}"
    );
    assert_eq!(result["play"]["frameWidth"], 640, "{result}");
    let video = probed.unwrap_or_else(|| panic!("no frames in {}:\n{server_err}", video.display()));
    assert_eq!(video.codec, "vp8");
    assert!(video.frames >= 40, "{video:?}");
    let audio = media::probe(&audio);
    assert_eq!(audio.codec, "opus");
    assert!(audio.frames >= 50, "{audio:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
