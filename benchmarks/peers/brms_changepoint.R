# The change-point survival model in brms (Stan backend), tau marginalized on its grid.
# brms has no discrete parameters, so the model is a custom family over the exposure table
# (one row per fine piece and arm) whose log-likelihood takes all rows at once (loop = FALSE)
# and sums over the tau grid with log_sum_exp; the random-walk baseline prior is a raw Stan
# statement in the prior. Tau's posterior is recovered from the draws afterwards.
# Usage: Rscript brms_changepoint.R data.csv [runs] [cores]
#   runs: number of fits (default 2); the first compiles, later ones reuse the compiled model
#   cores: chains in parallel (default 1: the 4 chains run one after the other)
# Prints one PEER line per fit (see peers_common.R for the columns).

here <- {
  f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  if (length(f) == 0) "." else dirname(normalizePath(f[1]))
}
source(file.path(here, "peers_common.R"))
args <- peer_args()
runs <- if (length(args) >= 2) as.integer(args[2]) else 2L
cores <- if (length(args) >= 3) as.integer(args[3]) else 1L
suppressPackageStartupMessages(library(brms))
peer_rstan_setup()

dat <- peer_data(args[1])
K <- dat$K
# rows 1..K: control arm, fine pieces in order; rows K+1..2K: treated arm
rows <- data.frame(events = c(dat$y[, 1], dat$y[, 2]),
                   piece = factor(rep(dat$bp, 2), levels = seq_len(dat$B)))

modern <- packageVersion("StanHeaders") >= "2.26"   # array syntax changed in Stan 2.26
int_array <- if (modern) "array[] int" else "int[]"
lpmf <- sprintf("
  // mu: log baseline hazard of every row; before/after: log HRs up to / after tau
  real changepoint_lpmf(%s y, vector mu, real before, real after, vector expo,
                        %s first_after, vector log_w, int K) {
    int G = num_elements(first_after);
    vector[K] eta = mu[(K + 1):(2 * K)];
    vector[K] y1 = to_vector(y[(K + 1):(2 * K)]);
    vector[K] x1 = expo[(K + 1):(2 * K)];
    vector[K + 1] c_before = append_row(0, cumulative_sum(
        y1 .* (eta + before) - x1 .* exp(eta + before)));
    vector[K + 1] c_after = append_row(0, cumulative_sum(
        y1 .* (eta + after) - x1 .* exp(eta + after)));
    vector[G] lp;
    for (g in 1:G) {
      lp[g] = log_w[g] + c_before[first_after[g]] + c_after[K + 1] - c_after[first_after[g]];
    }
    return dot_product(to_vector(y[1:K]), mu[1:K]) - dot_product(expo[1:K], exp(mu[1:K]))
           + log_sum_exp(lp);
  }
", int_array, int_array)

family <- custom_family("changepoint", dpars = c("mu", "before", "after"),
                        links = c("identity", "identity", "identity"), type = "int",
                        vars = c("expo", "first_after", "log_w", "n_fine"), loop = FALSE)
stanvars <- stanvar(scode = lpmf, block = "functions") +
  stanvar(x = c(dat$x[, 1], dat$x[, 2]), name = "expo", scode = "vector[N] expo;") +
  stanvar(x = dat$first_after, name = "first_after",
          scode = sprintf(if (modern) "array[%d] int first_after;" else "int first_after[%d];",
                          dat$G)) +
  stanvar(x = log(dat$w), name = "log_w", scode = sprintf("vector[%d] log_w;", dat$G)) +
  stanvar(x = K, name = "n_fine", scode = "int n_fine;")
priors <- c(
  set_prior(sprintf("target += normal_lpdf(b[1] | %.10f, 2)", dat$mu0), check = FALSE),
  set_prior(sprintf("target += normal_lpdf(b[2:%d] | b[1:%d], 1)", dat$B, dat$B - 1),
            check = FALSE),
  set_prior("normal(0, 1)", class = "before"),
  set_prior("normal(0, 1)", class = "after"))
inits <- lapply(seq_len(N_CHAINS), function(ch) {
  i <- peer_inits(dat, ch)
  list(b = i$lb, before = i$before, after = i$after)
})
formula <- bf(events ~ 0 + piece)

peer_header()
fit <- NULL
for (run in seq_len(runs)) {
  t0 <- proc.time()[["elapsed"]]
  if (is.null(fit)) {   # compile only (no chains); later fits reuse the compiled model
    fit <- suppressMessages(brm(formula, data = rows, family = family, prior = priors, stanvars = stanvars,
               chains = 0, backend = "rstan", silent = 2, refresh = 0))
  }
  t1 <- proc.time()[["elapsed"]]
  fit <- update(fit, recompile = FALSE, chains = N_CHAINS, cores = cores,
                warmup = N_WARMUP, iter = N_WARMUP + N_DRAWS, seed = 100 * run,
                init = inits, control = list(adapt_delta = 0.9), silent = 2, refresh = 0)
  t2 <- proc.time()[["elapsed"]]

  draws <- as_draws_array(fit, variable = c("before", "after", paste0("b_piece", 1:dat$B)))
  cont <- lapply(seq_len(N_CHAINS), function(ch) unclass(draws)[, ch, ])
  m <- unclass(as_draws_matrix(draws))
  tau_prob <- peer_tau_probability(dat, m[, paste0("b_piece", 1:dat$B)], m[, "before"],
                                   m[, "after"])
  peer_line(sprintf("brms; %d core%s", cores, if (cores > 1) "s" else ""), run,
            t2 - t0, t1 - t0, t2 - t1, peer_diagnostics(cont),
            exp(median(m[, "before"])), exp(median(m[, "after"])),
            dat$grid[which.max(tau_prob)])
}
