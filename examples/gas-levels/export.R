# Writes spacetime's `air` data set (daily rural-background PM10 at 70 German stations, 1998-2009)
# as a long CSV: date,station,pm10, one station after another in date order; NA where no value.
# Usage: Rscript export.R OUT.csv
args <- commandArgs(trailingOnly = TRUE)
data(air, package = "spacetime")
d <- data.frame(
  date = rep(format(dates), each = nrow(air)),
  station = rep(rownames(air), times = ncol(air)),
  pm10 = as.vector(air))
write.csv(d[order(d$station, d$date), ], args[1], row.names = FALSE, na = "NA", quote = FALSE)
