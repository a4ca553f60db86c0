# Shared pieces of the peer benchmark: the model constants, the exposure table and the
# one-line result format. Sourced by jags_changepoint.R and stan_changepoint.R.

BASELINE_CUTS <- c(6.66, 15.8, 44.2)   # 4 baseline pieces
TAU_GRID <- 4:56                      # candidate change points (months)
TAU_NEAR <- 13
TAU_SPREAD <- 13 / 4
N_CHAINS <- 4
N_WARMUP <- 1000
N_DRAWS <- 1000

# Read the cohort (columns time, event, arm; reference arm "control") and build everything
# the model needs: events and person-time per (fine piece, arm), where the fine pieces are cut
# at the union of the baseline cuts and the tau grid; the baseline piece of every fine piece;
# the first fine piece after each candidate tau; the tau prior.
peer_data <- function(csv) {
  d <- read.csv(csv, stringsAsFactors = FALSE)
  stopifnot(all(c("time", "event", "arm") %in% names(d)), all(d$event %in% c(0, 1)))
  treated <- as.integer(d$arm != "control")
  edges <- sort(unique(c(0, BASELINE_CUTS, TAU_GRID)))
  K <- length(edges)                       # the last fine piece is open-ended
  upper <- c(edges[-1], Inf)
  # person-time of every patient in every fine piece, summed per arm
  x <- sapply(0:1, function(a) {
    t <- d$time[treated == a]
    sapply(seq_len(K), function(k) sum(pmax(0, pmin(t, upper[k]) - edges[k])))
  })
  # an event at time t falls in the piece (lower, upper]
  piece <- findInterval(d$time, edges, left.open = TRUE)
  y <- sapply(0:1, function(a) tabulate(piece[d$event == 1 & treated == a], nbins = K))
  w <- exp(-0.5 * ((TAU_GRID - TAU_NEAR) / TAU_SPREAD)^2)
  list(
    K = K, B = length(BASELINE_CUTS) + 1, G = length(TAU_GRID),
    y = matrix(as.integer(y), K, 2), x = matrix(x, K, 2),
    bp = findInterval(edges, c(0, BASELINE_CUTS)),   # baseline piece of each fine piece
    first_after = match(TAU_GRID, edges),          # pieces >= this index are "after tau"
    w = w / sum(w), grid = as.numeric(TAU_GRID),
    mu0 = log(sum(d$event) / sum(d$time)),          # crude log rate: log(44 / 11915.86)
    n_patients = nrow(d), n_events = sum(d$event)
  )
}

# Initial values shared by both tools: the prior centre with a small jitter.
peer_inits <- function(dat, chain) {
  set.seed(1000 + chain)
  list(lb = dat$mu0 + runif(dat$B, -0.5, 0.5), before = runif(1, -0.5, 0.5),
       after = runif(1, -0.5, 0.5))
}

# Convergence summary over the continuous parameters. `draws` is a list (one per chain) of
# draw-by-parameter matrices. Rank-normalized bulk ESS and R-hat (package posterior) when
# available, otherwise coda's effective size and Gelman-Rubin.
peer_diagnostics <- function(draws) {
  if (requireNamespace("posterior", quietly = TRUE)) {
    arr <- simplify2array(draws)               # draw x parameter x chain
    ess <- apply(arr, 2, posterior::ess_bulk)
    rhat <- apply(arr, 2, posterior::rhat)
    return(list(ess = min(ess), rhat = max(rhat), kind = "bulk"))
  }
  m <- coda::mcmc.list(lapply(draws, coda::mcmc))
  list(ess = min(coda::effectiveSize(m)),
       rhat = max(coda::gelman.diag(m, autoburnin = FALSE, multivariate = FALSE)$psrf[, 1]),
       kind = "coda")
}

# One result line, prefixed with PEER so a driver can pick it out of the tool's chatter.
peer_line <- function(tool, run, total, compile, sampling, diag, hr_before, hr_after,
                      tau_mode) {
  fmt <- function(v, digits) if (is.na(v)) "NA" else formatC(v, format = "f", digits = digits)
  cat(paste("PEER", tool, run, fmt(total, 2), fmt(compile, 2), fmt(sampling, 2),
            fmt(diag$ess, 0), diag$kind, fmt(diag$rhat, 4), fmt(hr_before, 3),
            fmt(hr_after, 3), fmt(tau_mode, 0), sep = ","), "\n", sep = "")
}

peer_header <- function() {
  cat("PEER,tool,run,seconds_total,seconds_compile,seconds_sampling,min_ess,ess_kind,",
      "max_rhat,hr_before,hr_after,tau_mode\n", sep = "")
}

# The CSV path is the first argument; optional further arguments are handled by the caller.
peer_args <- function() {
  args <- commandArgs(trailingOnly = TRUE)
  if (length(args) < 1) stop("usage: Rscript <script> data.csv [options]")
  args
}

# rstan settings shared by the Stan and brms scripts.
peer_rstan_setup <- function() {
  rstan::rstan_options(auto_write = FALSE)   # keep compiled models out of the source tree
  # Some distributions ship BH as a stub that relies on the system Boost headers.
  if (!nzchar(system.file("include", package = "BH")) && file.exists("/usr/include/boost")) {
    rstan::rstan_options(boost_lib = "/usr/include")
  }
}

# Posterior probabilities of the grid points given draws of (lb, before, after), averaged
# over the draws (Rao-Blackwellized): for models that marginalize tau.
peer_tau_probability <- function(dat, lb, before, after) {
  eta <- lb[, dat$bp, drop = FALSE]                        # draw x fine piece
  treated_ll <- function(hr) {
    e <- eta + hr
    cbind(0, t(apply(sweep(e, 2, dat$y[, 2], "*") - sweep(exp(e), 2, dat$x[, 2], "*"), 1,
                     cumsum)))
  }
  cb <- treated_ll(before)
  ca <- treated_ll(after)
  f <- dat$first_after
  lp <- sweep(cb[, f, drop = FALSE] + ca[, dat$K + 1] - ca[, f, drop = FALSE], 2, log(dat$w), "+")
  p <- exp(lp - apply(lp, 1, max))
  colMeans(p / rowSums(p))
}
