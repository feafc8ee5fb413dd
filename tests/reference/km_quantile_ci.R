# Reference values for KaplanMeier::quantile_interval (tests/economics/retention_kaplan_meier.rs):
# R survival's quantile.survfit with its confidence limits, for the three band types.
# Run: Rscript tests/reference/km_quantile_ci.R   (Debian: apt-get install r-cran-survival)
suppressMessages(library(survival))
show <- function(name, time, status) {
  for (ct in c("log", "log-log", "plain")) {
    fit <- survfit(Surv(time, status) ~ 1, conf.type = ct)
    q <- quantile(fit, probs = c(0.25, 0.5, 0.75))
    cat(sprintf("%s %s", name, ct))
    for (i in 1:3) cat(sprintf(" | %s %s %s", q$quantile[i], q$lower[i], q$upper[i]))
    cat("\n")
  }
}
m <- aml[aml$x == "Maintained", ]
show("aml_maintained", m$time, m$status)
show("aml_all", aml$time, aml$status)
set.seed(7)
t <- sample(1:30, 200, replace = TRUE); s <- rbinom(200, 1, 0.7)
cat("random_times", paste(t, collapse = ","), "\n")
cat("random_status", paste(s, collapse = ","), "\n")
show("random", t, s)
