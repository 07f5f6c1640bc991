//! The build pipeline: load → analyze → render → write. Nothing is written
//! unless every stage before it succeeded, and the output is swapped in
//! whole (see `output::writer`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use crate::analysis::Analysis;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::load::load_site;
use crate::model::Site;
use crate::output::{exports, search, sitemap, writer};
use crate::render::urls::Urls;
use crate::render::{RenderOptions, render_site};

/// What `refarch build` was asked for.
#[derive(Debug, Clone)]
pub struct BuildRequest {
    pub root: PathBuf,
    pub output: PathBuf,
    /// Overrides the site's and the profile's base URL.
    pub base_url: Option<String>,
    pub profile: Option<String>,
}

/// What a successful build did.
#[derive(Debug)]
pub struct BuildReport {
    pub pages: usize,
    pub files: usize,
    pub engagements: usize,
    pub warnings: Diagnostics,
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

/// Builds the site. On error nothing is written and the previous output
/// stays as it was.
pub fn build(request: &BuildRequest) -> Result<BuildReport, Diagnostics> {
    let mut timings = Vec::new();
    let started = Instant::now();
    let loaded = load_site(&request.root);
    let Some(site) = loaded.site else {
        return Err(loaded.diagnostics);
    };
    timings.push(("load", started.elapsed()));

    let (site, base_url, profile_name) = apply_profile(site, request)?;
    let files = render_files(
        &site,
        &request.root,
        &base_url,
        profile_name.as_deref(),
        &mut timings,
    )?;
    let pages = files
        .iter()
        .filter(|(path, _)| path.ends_with(".html"))
        .count();

    let writing = Instant::now();
    writer::write_site(&request.output, &files).map_err(|error| {
        let mut diagnostics = Diagnostics::default();
        diagnostics.push(
            Diagnostic::new(
                Code::E070,
                format!(
                    "cannot write the site to {}: {error}",
                    request.output.display()
                ),
            )
            .help("check that the directory is writable; the previous output was left as it was"),
        );
        diagnostics
    })?;
    timings.push(("write", writing.elapsed()));
    Ok(BuildReport {
        pages,
        files: files.len(),
        engagements: site.engagements.len(),
        warnings: loaded.diagnostics,
        timings,
    })
}

/// Applies `--profile`: which engagements, and which base URL.
fn apply_profile(
    site: Site,
    request: &BuildRequest,
) -> Result<(Site, String, Option<String>), Diagnostics> {
    let Some(name) = &request.profile else {
        let base = request
            .base_url
            .clone()
            .unwrap_or_else(|| site.config.base_url.clone());
        return Ok((site, base, None));
    };
    let Some((_, profile)) = site
        .config
        .profiles
        .iter()
        .find(|(id, _)| id.as_str() == name)
    else {
        let known: Vec<String> = site
            .config
            .profiles
            .keys()
            .map(|id| id.to_string())
            .collect();
        let mut diagnostics = Diagnostics::default();
        diagnostics.push(
            Diagnostic::new(Code::E020, format!("unknown build profile `{name}`")).help(
                if known.is_empty() {
                    "data/site.toml defines no [profiles.NAME]".to_string()
                } else {
                    format!("the profiles in data/site.toml are: {}", known.join(", "))
                },
            ),
        );
        return Err(diagnostics);
    };
    let base = request
        .base_url
        .clone()
        .or_else(|| profile.base_url.clone())
        .unwrap_or_else(|| site.config.base_url.clone());
    let site = if profile.include_confidential {
        site
    } else {
        site.without_confidential()
    };
    Ok((site, base, Some(name.clone())))
}

/// Every file of the site, in memory.
pub fn render_files(
    site: &Site,
    root: &Path,
    base_url: &str,
    profile: Option<&str>,
    timings: &mut Vec<(&'static str, std::time::Duration)>,
) -> Result<Vec<(String, Vec<u8>)>, Diagnostics> {
    let rendering = Instant::now();
    let options = RenderOptions {
        root: root.to_path_buf(),
        base_url: base_url.to_string(),
        profile: profile.map(str::to_string),
        theme: site.config.theme.clone(),
    };
    let analysis = Analysis::of(site);
    timings.push(("analyze", rendering.elapsed()));
    let rendered = render_site(site, &analysis, &options)?;
    timings.push(("render", rendering.elapsed()));

    let indexing = Instant::now();
    let urls = Urls::new(base_url);
    // The index and the sitemap read the pages; then the pages move into
    // the file list, so that no page is held twice.
    let mut files = search::index_files(&rendered.pages);
    files.push((
        "sitemap.xml".to_string(),
        sitemap::sitemap(&rendered.pages, &urls).into_bytes(),
    ));
    files.extend(rendered.files);
    files.extend(
        rendered
            .pages
            .into_iter()
            .map(|page| (page.file(), page.html.into_bytes())),
    );
    files.push((
        "robots.txt".to_string(),
        sitemap::robots(&urls).into_bytes(),
    ));
    let engagement_exports: Vec<(String, Vec<u8>)> = site
        .engagements
        .par_iter()
        .map(|e| {
            (
                format!("engagements/{}.json", e.id.as_str()),
                exports::engagement_json(e, analysis.of_engagement(e.id.as_str())),
            )
        })
        .collect();
    files.extend(engagement_exports);
    files.push(("fleet.csv".to_string(), exports::fleet_csv(site, &analysis)));
    files.push((
        "support/support.json".to_string(),
        exports::support_json(site),
    ));
    timings.push(("index and exports", indexing.elapsed()));
    Ok(files)
}
