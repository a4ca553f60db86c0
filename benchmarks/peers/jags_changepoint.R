# The change-point survival model in JAGS (rjags), tau sampled directly as a categorical.
# Usage: Rscript jags_changepoint.R data.csv [runs]     (runs: number of fits, default 2)
# Prints one PEER line per fit (see peers_common.R for the columns).

here <- {
  f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  if (length(f) == 0) "." else dirname(normalizePath(f[1]))
}
source(file.path(here, "peers_common.R"))
args <- peer_args()
runs <- if (length(args) >= 2) as.integer(args[2]) else 2L
suppressPackageStartupMessages(library(rjags))

# Poisson on the exposure table: y ~ Poisson(person-time x hazard) in every (fine piece, arm),
# which is the right-censored piecewise-exponential likelihood up to a constant.
MODEL <- "
model {
  lb[1] ~ dnorm(mu0, 1 / 4)                  # sd 2 (JAGS uses precisions)
  for (j in 2:B) {
    lb[j] ~ dnorm(lb[j - 1], 1)              # random walk, sd 1
  }
  before ~ dnorm(0, 1)
  after ~ dnorm(0, 1)
  k ~ dcat(w[])                              # index of tau on the grid
  tau <- grid[k]
  for (i in 1:K) {
    log_hr[i] <- before + (after - before) * step(i - first_after[k])
    y[i, 1] ~ dpois(x[i, 1] * exp(lb[bp[i]]))
    y[i, 2] ~ dpois(x[i, 2] * exp(lb[bp[i]] + log_hr[i]))
  }
}
"

dat <- peer_data(args[1])
jags_data <- dat[c("K", "B", "y", "x", "bp", "first_after", "w", "grid", "mu0")]
inits <- lapply(seq_len(N_CHAINS), function(ch) {
  c(peer_inits(dat, ch), k = match(TAU_NEAR, TAU_GRID),
    .RNG.name = "base::Mersenne-Twister", .RNG.seed = ch)
})

peer_header()
for (run in seq_len(runs)) {
  for (ch in seq_len(N_CHAINS)) inits[[ch]]$.RNG.seed <- 100 * run + ch
  t0 <- proc.time()[["elapsed"]]
  m <- jags.model(textConnection(MODEL), data = jags_data, inits = inits,
                  n.chains = N_CHAINS, n.adapt = 0, quiet = TRUE)
  t1 <- proc.time()[["elapsed"]]
  adapt(m, n.iter = N_WARMUP, end.adaptation = TRUE)   # warm-up (adaptation = burn-in)
  s <- coda.samples(m, c("lb", "before", "after", "tau"), n.iter = N_DRAWS)
  t2 <- proc.time()[["elapsed"]]

  chains <- lapply(s, function(ch) as.matrix(ch))
  cont <- lapply(chains, function(ch) ch[, c("before", "after", paste0("lb[", 1:dat$B, "]"))])
  all <- do.call(rbind, chains)
  tau_tab <- table(all[, "tau"])
  peer_line("JAGS", run, t2 - t0, t1 - t0, t2 - t1, peer_diagnostics(cont),
            exp(median(all[, "before"])), exp(median(all[, "after"])),
            as.numeric(names(tau_tab)[which.max(tau_tab)]))
}
