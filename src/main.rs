//! The `authcheck` binary: parse arguments, run, map the outcome to an exit code. Nothing else.

fn main() {
    authcheck::cli::install_panic_hook();
    let code = authcheck::cli::main();
    std::process::exit(code);
}
