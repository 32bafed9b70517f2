//! The build's errors (a leaf module: the crate's error wraps it).

/// A Containerfile that lpod cannot build (the line is 1-based).
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The file has no `FROM` before its first instruction.
    #[error(
        "Containerfile line {line}: {instruction} before FROM: the first instruction must be FROM"
    )]
    NoFrom {
        /// The line.
        line: usize,
        /// The instruction found there.
        instruction: String,
    },
    /// An instruction lpod does not build.
    #[error("Containerfile line {line}: {instruction} is not supported by lpod build (FROM, RUN, ENV, WORKDIR, USER, LABEL, EXPOSE, VOLUME, CMD and ENTRYPOINT are)")]
    Unsupported {
        /// The line.
        line: usize,
        /// The instruction.
        instruction: String,
    },
    /// An instruction without its argument, or one its parser refused.
    #[error("Containerfile line {line}: invalid {instruction} instruction {text:?}")]
    Invalid {
        /// The line.
        line: usize,
        /// The instruction.
        instruction: String,
        /// The whole instruction as written.
        text: String,
    },
    /// A `RUN` command failed.
    #[error("Containerfile line {line}: RUN {command:?} exited with {code}")]
    RunFailed {
        /// The line.
        line: usize,
        /// The command as written.
        command: String,
        /// Its exit code.
        code: i32,
    },
    /// The file has no instruction at all.
    #[error("Containerfile has no instructions")]
    Empty,
}
