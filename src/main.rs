//! sigseal binary: everything lives in the library.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(sigseal::cli::run(args));
}
