# The plots of docs/benchmarks.md, from bench/run.sh --data DIR:
#   gnuplot -e "data='DIR'; out='docs/bench'" bench/plots.gp
if (!exists("data")) data = "."
if (!exists("out")) out = "."

set terminal pngcairo size 900,520 font "DejaVu Sans,11" linewidth 1.5
set grid
set key top left box opaque
set style data linespoints

set output out."/relay.png"
set title "Relay throughput against requests in flight (100 B, one client per path)"
set xlabel "requests in flight"
set ylabel "messages per second"
set logscale x 2
set xrange [0.8:320]
set yrange [0:*]
plot data."/relay.tsv" using 1:3 title "direct (C++ peer on the hub)" pt 7, \
     "" using 1:2 title "through wssd" pt 5, \
     "" using 1:4 title "direct (Node.js ws)" pt 9

set output out."/fan_out.png"
set title "Fan-out: deliveries per second against subscribers (100 B broadcasts, 16 outstanding)"
set xlabel "subscribers"
set ylabel "deliveries per second"
set logscale x 10
set logscale y 10
set xrange [0.8:1300]
set yrange [*:*]
set format y "10^{%L}"
plot data."/fan_out.tsv" using 1:2 title "through wssd" pt 5, \
     "" using 1:3 title "direct (every subscriber a hub peer)" pt 7, \
     "" using 1:6 title "through wssd, 256 outstanding" pt 4 dt 2, \
     "" using 1:7 title "direct, 256 outstanding" pt 6 dt 2

set output out."/fan_out_lag.png"
set title "Fan-out: p99 lag from broadcast to subscriber (16 outstanding)"
set ylabel "p99 lag, ms"
set format y "%g"
plot data."/fan_out.tsv" using 1:4 title "through wssd" pt 5, \
     "" using 1:5 title "direct (every subscriber a hub peer)" pt 7
