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
    #[error("Containerfile line {line}: {instruction} is not supported by lpod build (FROM, RUN, COPY, ADD, ENV, WORKDIR, USER, LABEL, EXPOSE, VOLUME, CMD and ENTRYPOINT are)")]
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
    /// `COPY`/`ADD` in a build without a context directory (a Containerfile on stdin).
    #[error("Containerfile line {line}: {instruction} needs a build context directory (the Containerfile came from stdin)")]
    NoContext {
        /// The line.
        line: usize,
        /// COPY or ADD.
        instruction: String,
    },
    /// A `COPY`/`ADD` source outside the build context (through `..` or a symlink).
    #[error("Containerfile line {line}: {path:?} is outside the build context")]
    OutsideContext {
        /// The line.
        line: usize,
        /// The source as written.
        path: String,
    },
    /// A `COPY`/`ADD` source that cannot be read (missing, unreadable, no wildcard match).
    #[error("Containerfile line {line}: source {path:?} in the build context: {source}")]
    Source {
        /// The line.
        line: usize,
        /// The source as written.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A `COPY`/`ADD` destination below something in the image that is not a directory.
    #[error(
        "Containerfile line {line}: destination {path}: {what} in the image is not a directory"
    )]
    DestNotDir {
        /// The line.
        line: usize,
        /// The destination.
        path: String,
        /// The path that is not a directory.
        what: String,
    },
    /// The file has no instruction at all.
    #[error("Containerfile has no instructions")]
    Empty,
}
