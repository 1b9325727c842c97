//! The `sansrtc` binary. Each subcommand is a thin layer over a library module of
//! `sansrtc-cli`; see the crate documentation.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use sansrtc_cli::driver::Driver;
use sansrtc_cli::session::{self, NetOptions, Role};
use sansrtc_cli::{demo, media, net, play, save, transfer};
use sansrtc_peer::TurnServer;

/// WebRTC as sans-IO Rust crates: the reference driver.
#[derive(Debug, Parser)]
#[command(name = "sansrtc", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Two peers in this process over loopback UDP: ICE, DTLS, SCTP, messages and a 64 MiB file
    /// over a data channel; prints the time of each phase and the throughput.
    Demo(DemoArgs),
    /// Create a data channel and an offer: prints the offer as one JSON line on stdout, reads
    /// the answer line from stdin, then chats (stdin lines ↔ messages), echoes, or moves a file.
    Offer(SessionArgs),
    /// Read an offer line from stdin, print the answer line, then serve the offerer's channels.
    Answer(SessionArgs),
    /// A local web page from which a browser connects to this peer: an echo channel, a chat
    /// box that talks to this terminal, and buttons that send the camera to disk or play a file.
    Serve(ServeArgs),
    /// Answer a browser's offer (stdin/stdout as `answer`) and write the camera and microphone
    /// it sends to files: VP8/VP9/AV1 to IVF (H.264 to a .h264 file), Opus to Ogg.
    SaveToDisk(SaveArgs),
    /// Offer (stdout/stdin as `offer`, or --answer) and send a file's frames at their frame
    /// rate, looping: IVF (VP8/VP9/AV1) or .h264 video, Ogg Opus audio.
    PlayFromDisk(PlayArgs),
}

#[derive(Debug, Args)]
struct SaveArgs {
    /// Video file to write (IVF; a .h264 path gets an H.264 Annex B stream).
    #[arg(long, value_name = "FILE")]
    video: Option<PathBuf>,
    /// Audio file to write (Ogg Opus).
    #[arg(long, value_name = "FILE")]
    audio: Option<PathBuf>,
    /// Offer receive-only sections instead of answering an offer.
    #[arg(long)]
    offer: bool,
    /// Stop after this many seconds of connection (default: when the browser hangs up or
    /// stdin ends).
    #[arg(long, value_name = "S")]
    duration: Option<f64>,
    /// Give up when nothing connected after this many seconds.
    #[arg(long, value_name = "S", default_value_t = 60.0)]
    timeout: f64,
    /// Test hook: drop every N-th incoming media RTP packet, for NACK/RTX to repair.
    #[arg(long, value_name = "N", hide = true)]
    drop_every: Option<u32>,
    #[command(flatten)]
    net: NetArgs,
}

#[derive(Debug, Args)]
struct PlayArgs {
    /// Video file to send (IVF with VP8/VP9/AV1, or a .h264 Annex B stream).
    #[arg(long, value_name = "FILE")]
    video: Option<PathBuf>,
    /// Audio file to send (Ogg Opus).
    #[arg(long, value_name = "FILE")]
    audio: Option<PathBuf>,
    /// Frame rate of a .h264 file (IVF carries timestamps).
    #[arg(long, default_value_t = 30.0)]
    fps: f64,
    /// Answer the browser's offer instead of offering.
    #[arg(long)]
    answer: bool,
    /// Play the files once instead of looping.
    #[arg(long)]
    once: bool,
    /// Stop after this many seconds of connection (default: when the browser hangs up or
    /// stdin ends).
    #[arg(long, value_name = "S")]
    duration: Option<f64>,
    /// Give up when nothing connected after this many seconds.
    #[arg(long, value_name = "S", default_value_t = 60.0)]
    timeout: f64,
    /// Test hook: drop every N-th outgoing media RTP packet, for the browser's NACKs to repair.
    #[arg(long, value_name = "N", hide = true)]
    drop_every: Option<u32>,
    #[command(flatten)]
    net: NetArgs,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// HTTP port of the page.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Address the HTTP server listens on.
    #[arg(long, value_name = "IP", default_value = "127.0.0.1")]
    http_bind: IpAddr,
    /// Where the page's "send my camera to disk" writes browser-N.ivf and browser-N.ogg.
    #[arg(long, value_name = "DIR", default_value = ".")]
    save_dir: PathBuf,
    /// The video the page's "play a file to me" sends (IVF or .h264), looping.
    #[arg(long, value_name = "FILE")]
    play: Option<PathBuf>,
    /// Audio sent along with --play (Ogg Opus).
    #[arg(long, value_name = "FILE", requires = "play")]
    play_audio: Option<PathBuf>,
    /// Frame rate of a .h264 --play file.
    #[arg(long, default_value_t = 30.0)]
    fps: f64,
    #[command(flatten)]
    net: NetArgs,
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// MiB to send over the channel.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=4096))]
    mib: u64,
    /// Use [::1] instead of 127.0.0.1.
    #[arg(long)]
    ipv6: bool,
}

#[derive(Debug, Args)]
struct SessionArgs {
    /// Send every received message back on its channel (text as text, binary as binary).
    #[arg(long)]
    echo: bool,
    /// Label of the channel the offerer creates.
    #[arg(long, default_value = "chat")]
    label: String,
    /// Also create a pre-negotiated channel with this stream id (both sides must say so).
    #[arg(long, value_name = "ID")]
    negotiated: Vec<u16>,
    /// Give up when no channel is open after this many seconds.
    #[arg(long, value_name = "S", default_value_t = 60.0)]
    timeout: f64,
    /// Send this file on the channel (progress bar, SHA-256 checked by the receiver).
    #[arg(long, value_name = "FILE")]
    send: Option<PathBuf>,
    /// Store a file the peer sends in this directory.
    #[arg(long, value_name = "DIR")]
    receive: Option<PathBuf>,
    #[command(flatten)]
    net: NetArgs,
}

#[derive(Debug, Args)]
struct NetArgs {
    /// Local address (IP or IP:PORT) for a host candidate; repeat for more. Default: every
    /// non-loopback interface address (loopback when there is no other).
    #[arg(long, value_name = "ADDR", value_parser = net::parse_bind)]
    bind: Vec<SocketAddr>,
    /// STUN server HOST:PORT for a server-reflexive candidate.
    #[arg(long, value_name = "HOST:PORT")]
    stun: Vec<String>,
    /// TURN server USER:PASSWORD@HOST:PORT (UDP) for a relayed candidate.
    #[arg(long, value_name = "USER:PASS@HOST:PORT")]
    turn: Vec<String>,
    /// Only relayed candidates (through --turn), as RTCIceTransportPolicy "relay".
    #[arg(long, requires = "turn")]
    relay_only: bool,
}

impl NetArgs {
    fn options(&self) -> Result<NetOptions, String> {
        let stun = self
            .stun
            .iter()
            .map(|s| resolve(s))
            .collect::<Result<_, _>>()?;
        let turn = self
            .turn
            .iter()
            .map(|t| {
                let (credentials, server) = t
                    .rsplit_once('@')
                    .ok_or_else(|| format!("--turn {t:?}: expected USER:PASS@HOST:PORT"))?;
                let (user, pass) = credentials
                    .split_once(':')
                    .ok_or_else(|| format!("--turn {t:?}: expected USER:PASS@HOST:PORT"))?;
                Ok(TurnServer::new(resolve(server)?, user, pass))
            })
            .collect::<Result<_, String>>()?;
        Ok(NetOptions {
            bind: self.bind.clone(),
            stun,
            turn,
            relay_only: self.relay_only,
        })
    }
}

fn resolve(s: &str) -> Result<SocketAddr, String> {
    s.to_socket_addrs()
        .map_err(|e| format!("{s}: {e}"))?
        .next()
        .ok_or_else(|| format!("{s}: no address"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(args) => demo(&args),
        Command::Offer(args) => run_session(Role::Offer, &args),
        Command::Answer(args) => run_session(Role::Answer, &args),
        Command::Serve(args) => serve(&args),
        Command::SaveToDisk(args) => save_to_disk(&args),
        Command::PlayFromDisk(args) => play_from_disk(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sansrtc: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_session(role: Role, args: &SessionArgs) -> Result<(), String> {
    if !(args.timeout > 0.0 && args.timeout.is_finite()) {
        return Err("--timeout must be a positive number of seconds".into());
    }
    let options = session::Options {
        role,
        echo: args.echo,
        label: args.label.clone(),
        negotiated: args.negotiated.clone(),
        timeout: Duration::from_secs_f64(args.timeout),
        send: args.send.clone(),
        receive: args.receive.clone(),
        net: args.net.options()?,
    };
    let mut driver = Driver::new().map_err(|e| e.to_string())?;
    let input = session::spawn_stdin(driver.waker().map_err(|e| e.to_string())?);
    let mut stdout = std::io::stdout().lock();
    session::run(&options, &mut driver, &input, &mut stdout).map_err(|e| e.to_string())
}

fn seconds(name: &str, s: f64) -> Result<Duration, String> {
    if s > 0.0 && s.is_finite() {
        Ok(Duration::from_secs_f64(s))
    } else {
        Err(format!("--{name} must be a positive number of seconds"))
    }
}

fn media_session(
    app: &mut dyn media::MediaApp,
    role: Role,
    timeout: f64,
    duration: Option<f64>,
    net: &NetArgs,
) -> Result<(), String> {
    let options = media::SessionOptions {
        role,
        timeout: seconds("timeout", timeout)?,
        duration: duration.map(|d| seconds("duration", d)).transpose()?,
        net: net.options()?,
    };
    let mut driver = Driver::new().map_err(|e| e.to_string())?;
    let input = session::spawn_stdin(driver.waker().map_err(|e| e.to_string())?);
    let mut stdout = std::io::stdout().lock();
    media::run(&options, app, &mut driver, &input, &mut stdout).map_err(|e| e.to_string())
}

fn save_to_disk(args: &SaveArgs) -> Result<(), String> {
    let options = save::SaveOptions {
        video: args.video.clone(),
        audio: args.audio.clone(),
        offer: args.offer,
        drop_every: args.drop_every.filter(|&n| n > 0),
    };
    let role = save::role(&options);
    let mut saver = save::Saver::new(options).map_err(|e| e.to_string())?;
    media_session(&mut saver, role, args.timeout, args.duration, &args.net)
}

fn play_from_disk(args: &PlayArgs) -> Result<(), String> {
    let options = play::PlayOptions {
        video: args.video.clone(),
        audio: args.audio.clone(),
        fps: args.fps,
        answer: args.answer,
        looping: !args.once,
        drop_every: args.drop_every.filter(|&n| n > 0),
    };
    let mut player = play::Player::new(options).map_err(|e| e.to_string())?;
    let role = player.role();
    media_session(&mut player, role, args.timeout, args.duration, &args.net)
}

fn serve(args: &ServeArgs) -> Result<(), String> {
    let options = sansrtc_cli::serve::Options {
        http: SocketAddr::new(args.http_bind, args.port),
        net: args.net.options()?,
        save_dir: args.save_dir.clone(),
        play: args.play.clone(),
        play_audio: args.play_audio.clone(),
        fps: args.fps,
    };
    let mut stdout = std::io::stdout().lock();
    sansrtc_cli::serve::run(&options, &mut stdout).map_err(|e| e.to_string())
}

fn demo(args: &DemoArgs) -> Result<(), String> {
    let options = demo::Options {
        size: args.mib * 1024 * 1024,
        ip: if args.ipv6 {
            IpAddr::V6(Ipv6Addr::LOCALHOST)
        } else {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        },
        ..demo::Options::default()
    };
    println!(
        "sansrtc demo: two peers in this process, ICE + DTLS + SCTP over loopback UDP ({})",
        options.ip
    );
    let mut bar = None;
    let report = demo::run(options, |p| match p {
        demo::Progress::Start(size) => {
            bar = Some(transfer::progress_bar(size, "file"));
        }
        demo::Progress::Received(n) => {
            if let Some(b) = &bar {
                b.set_position(n);
            }
        }
        _ => {
            if let Some(b) = bar.take() {
                b.finish_and_clear();
            }
        }
    })
    .map_err(|e| e.to_string())?;
    print!("{}", demo_table(&report));
    Ok(())
}

fn demo_table(r: &demo::Report) -> String {
    use std::fmt::Write;
    let ms = |d: Option<Duration>| {
        d.map_or_else(
            || "-".into(),
            |d| format!("{:.2} ms", d.as_secs_f64() * 1e3),
        )
    };
    let mut t = String::new();
    let _ = writeln!(
        t,
        "  offerer  {}    answerer  {}",
        r.addresses.0, r.addresses.1
    );
    let _ = writeln!(t);
    let _ = writeln!(
        t,
        "  {:<28} {:>10} {:>10}",
        "phase (from create_offer)", "offerer", "answerer"
    );
    let (o, a) = (&r.phases.0, &r.phases.1);
    for (name, x, y) in [
        ("ICE connected", o.ice, a.ice),
        ("DTLS connected", o.dtls, a.dtls),
        ("SCTP connected", o.sctp, a.sctp),
        ("data channel open", o.channel, a.channel),
    ] {
        let _ = writeln!(t, "  {name:<28} {:>10} {:>10}", ms(x), ms(y));
    }
    let _ = writeln!(t);
    let _ = writeln!(
        t,
        "  greeting round trip         {:.0} µs (\"hello from the offerer\" and back)",
        r.greeting_rtt.as_secs_f64() * 1e6
    );
    let secs = r.transfer.as_secs_f64().max(1e-9);
    let mib = r.bytes as f64 / (1024.0 * 1024.0);
    let _ = writeln!(
        t,
        "  file transfer               {mib:.0} MiB in {secs:.3} s = {:.1} MiB/s (16 KiB messages, reliable ordered)",
        mib / secs
    );
    let verdict = if r.sha256.0 == r.sha256.1 {
        "match"
    } else {
        "DIFFER"
    };
    let _ = writeln!(
        t,
        "  sha-256 sent / received     {} / {} ({verdict})",
        short(&r.sha256.0),
        short(&r.sha256.1)
    );
    let (so, sa) = (&r.stats.0, &r.stats.1);
    let _ = writeln!(
        t,
        "  datagrams                   offerer sent {} received {}, answerer sent {} received {}",
        so.datagrams_sent, so.datagrams_received, sa.datagrams_sent, sa.datagrams_received
    );
    t
}

fn short(hex: &str) -> &str {
    hex.get(..16).unwrap_or(hex)
}
