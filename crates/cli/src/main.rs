//! The `sansrtc` binary. Each subcommand is a thin layer over a library module of
//! `sansrtc-cli`; see the crate documentation.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use sansrtc_cli::driver::Driver;
use sansrtc_cli::net;
use sansrtc_cli::session::{self, NetOptions, Role};
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
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// Number of Binding transactions to run.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=1000))]
    count: u32,
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

fn demo(args: &DemoArgs) -> Result<(), String> {
    let options = sansrtc_cli::stun_demo::Options {
        count: args.count,
        ..Default::default()
    };
    let exchanges = sansrtc_cli::stun_demo::run(options, |_| {}).map_err(|e| e.to_string())?;
    println!("{} STUN exchanges", exchanges.len());
    Ok(())
}
