//! `build`: images from a Containerfile.
//!
//! Each `RUN` runs in a container of the image so far (the runtime's default network,
//! the image's entrypoint cleared, output to the caller) and is committed as a new image
//! layer, with the configuration instructions (`ENV`, `WORKDIR`, `USER`, `LABEL`,
//! `EXPOSE`, `CMD`, `ENTRYPOINT`) read since the previous step, so a later `RUN` sees them.
//! `COPY` and `ADD` put files of the build context into a container of the image so far
//! and commit it as a layer (see [`copy`] for the rules).
//! Intermediate images stay as unnamed images, as Podman's layer cache keeps them.
//! `ARG`, `COPY --from` and multi-stage builds are refused with
//! [`BuildError::Unsupported`], naming the line.

use std::io::Write;
use std::path::PathBuf;

use crate::{CreateOptions, Result, Runtime, Streams};

pub mod copy;
pub mod error;

pub use copy::CopyInstruction;
pub use error::BuildError;

/// One instruction of a Containerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Instruction {
    /// `FROM image`.
    From(String),
    /// `RUN`: the argv to run (`/bin/sh -c TEXT` for the shell form).
    Run {
        /// What to run.
        argv: Vec<String>,
        /// The instruction's text (for messages and history).
        text: String,
    },
    /// A configuration instruction, in the form `commit --change` takes.
    Change(String),
    /// `COPY` or `ADD`.
    Copy {
        /// What to copy where.
        ins: CopyInstruction,
        /// The instruction's arguments as written (for messages and history).
        text: String,
    },
}

/// Parses a Containerfile: comments and blank lines dropped, `\` continuations joined;
/// each instruction with its 1-based line.
pub fn parse_containerfile(
    text: &str,
) -> std::result::Result<Vec<(usize, Instruction)>, BuildError> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if pending.is_none() && (line.is_empty() || line.starts_with('#')) {
            continue;
        }
        if pending.is_some() && line.starts_with('#') {
            continue;
        }
        let (start, mut acc) = pending.take().unwrap_or((i + 1, String::new()));
        if let Some(head) = line.strip_suffix('\\') {
            acc.push_str(head);
            acc.push(' ');
            pending = Some((start, acc));
            continue;
        }
        acc.push_str(line);
        out.push((start, instruction(start, &acc)?));
    }
    if let Some((start, acc)) = pending {
        out.push((start, instruction(start, acc.trim_end())?));
    }
    match out.first() {
        None => Err(BuildError::Empty),
        Some((line, ins)) if !matches!(ins, Instruction::From(_)) => Err(BuildError::NoFrom {
            line: *line,
            instruction: keyword_of(ins),
        }),
        _ => Ok(out),
    }
}

fn keyword_of(ins: &Instruction) -> String {
    match ins {
        Instruction::From(_) => "FROM".into(),
        Instruction::Run { .. } => "RUN".into(),
        Instruction::Copy { ins, .. } => ins.keyword().into(),
        Instruction::Change(c) => c
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_uppercase(),
    }
}

fn instruction(line: usize, text: &str) -> std::result::Result<Instruction, BuildError> {
    let text = text.trim();
    let (kw, arg) = text
        .split_once(char::is_whitespace)
        .map(|(k, a)| (k, a.trim()))
        .unwrap_or((text, ""));
    let kw = kw.to_ascii_uppercase();
    let invalid = || BuildError::Invalid {
        line,
        instruction: kw.clone(),
        text: text.to_string(),
    };
    match kw.as_str() {
        "FROM" => {
            let mut words = arg.split_whitespace();
            let image = words.next().ok_or_else(invalid)?;
            if words.next().is_some() {
                // `FROM image AS name`: stages are not built.
                return Err(BuildError::Unsupported {
                    line,
                    instruction: "FROM ... AS (multi-stage builds)".into(),
                });
            }
            Ok(Instruction::From(image.to_string()))
        }
        "RUN" => {
            if arg.is_empty() {
                return Err(invalid());
            }
            let argv = match serde_json::from_str::<Vec<String>>(arg) {
                Ok(v) if !v.is_empty() => v,
                Ok(_) => return Err(invalid()),
                Err(_) => vec!["/bin/sh".into(), "-c".into(), arg.to_string()],
            };
            Ok(Instruction::Run {
                argv,
                text: arg.to_string(),
            })
        }
        "COPY" | "ADD" => Ok(Instruction::Copy {
            ins: copy::parse(line, &kw, arg, invalid)?,
            text: arg.to_string(),
        }),
        "ENV" | "WORKDIR" | "USER" | "LABEL" | "EXPOSE" | "VOLUME" | "CMD" | "ENTRYPOINT" => {
            if arg.is_empty() {
                return Err(invalid());
            }
            let change = format!("{kw} {arg}");
            libpod_storage::ConfigChanges::parse(std::slice::from_ref(&change))
                .map_err(|_| invalid())?;
            Ok(Instruction::Change(change))
        }
        _ => Err(BuildError::Unsupported {
            line,
            instruction: kw,
        }),
    }
}

/// What one committed build step does in its container.
#[derive(Clone, Copy)]
enum Step<'a> {
    /// Nothing: a commit of configuration changes alone.
    Nothing,
    /// `RUN`: (line, argv, text).
    Run(usize, &'a Vec<String>, &'a String),
    /// `COPY`/`ADD`: (line, instruction, text, context).
    Copy(
        usize,
        &'a CopyInstruction,
        &'a String,
        Option<&'a std::path::Path>,
    ),
}

/// What [`Runtime::build`] builds.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// The Containerfile's text.
    pub containerfile: String,
    /// Names for the result (`-t`), normalised as `tag` does.
    pub tags: Vec<String>,
    /// Print no step lines (the RUN commands' own output still shows).
    pub quiet: bool,
    /// The build context, where `COPY` and `ADD` find their sources (`None`: a
    /// Containerfile from stdin, without one).
    pub context: Option<PathBuf>,
}

impl Runtime {
    /// Builds `opts.containerfile` (see the module docs); returns the new image's id.
    /// Step lines (`STEP 1/3: FROM ...`) go to `log`, RUN output to our stdout and stderr.
    /// A failed step leaves no container behind.
    #[tracing::instrument(skip_all, fields(tags = ?opts.tags))]
    pub fn build(&self, opts: &BuildOptions, log: &mut dyn Write) -> Result<String> {
        let steps = parse_containerfile(&opts.containerfile)?;
        let total = steps.len();
        let mut step_line = |n: usize, text: String| {
            if !opts.quiet {
                let _ = writeln!(log, "STEP {n}/{total}: {text}");
            }
        };
        let mut image = String::new();
        let mut changes: Vec<String> = Vec::new();
        let mut committed_since_changes = true;
        for (n, (line, ins)) in steps.iter().enumerate() {
            match ins {
                Instruction::From(name) => {
                    step_line(n + 1, format!("FROM {name}"));
                    image = self
                        .store()?
                        .image(name)
                        .map_err(|e| crate::context::image_err(e, name))?
                        .id;
                    changes.clear();
                }
                Instruction::Change(c) => {
                    step_line(n + 1, c.clone());
                    changes.push(c.clone());
                    committed_since_changes = false;
                }
                Instruction::Run { argv, text } => {
                    step_line(n + 1, format!("RUN {text}"));
                    image = self.build_step(&image, Step::Run(*line, argv, text), &changes)?;
                    changes.clear();
                    committed_since_changes = true;
                }
                Instruction::Copy { ins, text } => {
                    step_line(n + 1, format!("{} {text}", ins.keyword()));
                    let step = Step::Copy(*line, ins, text, opts.context.as_deref());
                    image = self.build_step(&image, step, &changes)?;
                    changes.clear();
                    committed_since_changes = true;
                }
            }
        }
        if !committed_since_changes || image.is_empty() {
            image = self.build_step(&image, Step::Nothing, &changes)?;
        }
        for t in &opts.tags {
            self.tag_image(&image, t)?;
            if !opts.quiet {
                let _ = writeln!(log, "COMMIT {t}");
            }
        }
        Ok(image)
    }

    /// One committed step on `image`: `step` in a container of it, then a commit with
    /// `changes`. The container is removed either way.
    fn build_step(&self, image: &str, step: Step<'_>, changes: &[String]) -> Result<String> {
        let command = match step {
            Step::Run(_, argv, _) => argv.clone(),
            _ => vec!["/bin/true".into()],
        };
        let parsed = libpod_storage::ConfigChanges::parse(changes).map_err(|e| {
            crate::Error::InvalidArgument {
                what: "Containerfile instruction",
                value: e.0,
            }
        })?;
        // The step's RUN already sees the ENV, WORKDIR and USER read before it.
        let c = self.create_container(CreateOptions {
            image: image.to_string(),
            command: Some(command),
            entrypoint: Some(Vec::new()),
            env: parsed.env.clone(),
            workdir: parsed.working_dir.clone(),
            // The user matters only to what runs (a COPY step or a commit runs nothing,
            // and the image may not name that user yet).
            user: matches!(step, Step::Run(..))
                .then(|| parsed.user.clone())
                .flatten(),
            ..CreateOptions::default()
        })?;
        let result = (|| -> Result<String> {
            match step {
                Step::Run(line, _, text) => {
                    c.start_attached(Streams::stdio(false))?;
                    let code = c.wait()?;
                    if code != 0 {
                        return Err(BuildError::RunFailed {
                            line,
                            command: text.clone(),
                            code,
                        }
                        .into());
                    }
                }
                Step::Copy(line, ins, _, context) => self.build_copy(&c.id, line, ins, context)?,
                Step::Nothing => {}
            }
            let p = self.inner.parts()?;
            let opts = libpod_storage::CommitOptions {
                name: None,
                changes: parsed,
                message: None,
                author: None,
                created_by: match step {
                    Step::Run(_, _, text) => Some(format!("/bin/sh -c {text}")),
                    Step::Copy(_, ins, text, _) => {
                        Some(format!("/bin/sh -c #(nop) {} {text}", ins.keyword()))
                    }
                    Step::Nothing => None,
                },
            };
            Ok(p.store.commit_container(&c.id, &opts)?.id)
        })();
        if let Err(e) = c.remove(true) {
            tracing::warn!(container = %c.id, error = %e, "removing a build step's container");
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instructions_continuations_and_comments() {
        let f = "# a comment\nFROM img\n\nRUN rm /a; \\\n  echo x >> /b; \\\n  chmod +x /b\nENTRYPOINT [\"/e\"]\nenv A=1\n";
        let got = parse_containerfile(f).unwrap();
        assert_eq!(got[0], (2, Instruction::From("img".into())));
        let Instruction::Run { argv, .. } = &got[1].1 else {
            panic!("{got:?}")
        };
        assert_eq!(got[1].0, 4);
        assert_eq!(argv[..2], ["/bin/sh", "-c"]);
        assert_eq!(argv[2], "rm /a;  echo x >> /b;  chmod +x /b");
        assert_eq!(got[2].1, Instruction::Change("ENTRYPOINT [\"/e\"]".into()));
        assert_eq!(got[3].1, Instruction::Change("ENV A=1".into()));
        let json = parse_containerfile("FROM i\nRUN [\"/bin/touch\", \"/x\"]").unwrap();
        assert_eq!(
            json[1].1,
            Instruction::Run {
                argv: vec!["/bin/touch".into(), "/x".into()],
                text: "[\"/bin/touch\", \"/x\"]".into()
            }
        );
    }

    #[test]
    fn what_is_not_built_is_named_with_its_line() {
        let e = parse_containerfile("FROM i\nARG a=1\n").unwrap_err();
        assert!(
            matches!(e, BuildError::Unsupported { line: 2, ref instruction } if instruction == "ARG"),
            "{e}"
        );
        let e = parse_containerfile("RUN true\n").unwrap_err();
        assert!(matches!(e, BuildError::NoFrom { line: 1, .. }), "{e}");
        let e = parse_containerfile("# nothing\n").unwrap_err();
        assert!(matches!(e, BuildError::Empty), "{e}");
        let e = parse_containerfile("FROM a AS b\n").unwrap_err();
        assert!(matches!(e, BuildError::Unsupported { line: 1, .. }), "{e}");
        let e = parse_containerfile("FROM a\nLABEL nolabel\n").unwrap_err();
        assert!(matches!(e, BuildError::Invalid { line: 2, .. }), "{e}");
        let e = parse_containerfile("FROM a\nRUN\n").unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
    }
}
