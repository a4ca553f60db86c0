# The change-point survival model in Stan (rstan), tau marginalized on its grid.
# Usage: Rscript stan_changepoint.R data.csv [runs] [cores]
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
suppressPackageStartupMessages(library(rstan))
peer_rstan_setup()

# Array declarations: the newer syntax from Stan 2.26 (the older one is gone in 2.33).
code <- paste(readLines(file.path(here, "changepoint.stan")), collapse = "\n")
decl <- if (packageVersion("StanHeaders") >= "2.26") {
  c("ARRAY_INT_K2 y;" = "array[K, 2] int<lower=0> y;",
    "ARRAY_INT_K bp;" = "array[K] int<lower=1, upper=B> bp;",
    "ARRAY_INT_G first_after;" = "array[G] int<lower=1, upper=K> first_after;")
} else {
  c("ARRAY_INT_K2 y;" = "int<lower=0> y[K, 2];",
    "ARRAY_INT_K bp;" = "int<lower=1, upper=B> bp[K];",
    "ARRAY_INT_G first_after;" = "int<lower=1, upper=K> first_after[G];")
}
for (n in names(decl)) code <- gsub(n, decl[[n]], code, fixed = TRUE)

dat <- peer_data(args[1])
stan_data <- dat[c("K", "B", "G", "bp", "y", "x", "first_after", "w", "grid", "mu0")]
inits <- lapply(seq_len(N_CHAINS), function(ch) peer_inits(dat, ch))

peer_header()
model <- NULL
for (run in seq_len(runs)) {
  t0 <- proc.time()[["elapsed"]]
  if (is.null(model)) model <- stan_model(model_code = code, model_name = "changepoint")
  t1 <- proc.time()[["elapsed"]]
  fit <- sampling(model, data = stan_data, init = inits, chains = N_CHAINS, cores = cores,
                  warmup = N_WARMUP, iter = N_WARMUP + N_DRAWS, seed = 100 * run,
                  control = list(adapt_delta = 0.9), refresh = 0)
  t2 <- proc.time()[["elapsed"]]

  pars <- c("before", "after", paste0("lb[", 1:dat$B, "]"))
  arr <- as.array(fit, pars = pars)                 # draw x chain x parameter
  cont <- lapply(seq_len(N_CHAINS), function(ch) arr[, ch, ])
  post <- as.matrix(fit, pars = c("before", "after", "tau_prob"))
  tau_prob <- colMeans(post[, grep("^tau_prob", colnames(post))])  # Rao-Blackwellized
  peer_line(sprintf("Stan (rstan; %d core%s)", cores, if (cores > 1) "s" else ""), run,
            t2 - t0, t1 - t0, t2 - t1, peer_diagnostics(cont),
            exp(median(post[, "before"])), exp(median(post[, "after"])),
            dat$grid[which.max(tau_prob)])
  n_div <- sum(get_divergent_iterations(fit))
  if (n_div > 0) message("divergent transitions: ", n_div)
}
