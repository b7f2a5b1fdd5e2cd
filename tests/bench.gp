# bench.gp: the plot of `make bench`, drawn from its CSV (tests/bench.c
# writes it; tests/bench.sh runs this). Two panels in one SVG:
#   left   load time against the product's history, without snapshots
#          (replay every event) and with them (from a snapshot)
#   right  rebuild throughput against the log's size: catalog rebuild
#          and the bare loop
# Usage: gnuplot -e "csv='bench.csv'; svg='bench.svg'" tests/bench.gp

set terminal svg size 960,420 dynamic font 'sans,12'
set encoding utf8
set output svg
set datafile separator ','
# The rows of one operation, through grep: rows of other operations (and
# those not measured, whose fields are empty) would break the lines.
load = "< grep '^load,' ".csv
rebuild = "< grep '^rebuild,' ".csv
set key top left
set grid
set logscale x 10
set format x '%.0s%c'
set multiplot layout 1,2 title 'make bench'

set title 'Loading a product'
set xlabel 'events in its history'
set ylabel 'seconds per load'
set logscale y 10
set format y '%.0s %cs'
plot load using 2:4 \
	with linespoints lw 2 pt 7 title 'replay every event', \
     load using 2:3 \
	with linespoints lw 2 pt 5 title 'from a snapshot'

set title 'Rebuilding the views'
set xlabel 'events in the log'
set ylabel 'events per second'
unset logscale y
set format y '%.0s%c'
set yrange [0:*]
plot rebuild using 2:($2 / $3) \
	with linespoints lw 2 pt 7 title 'catalog rebuild', \
     rebuild using 2:($2 / $4) \
	with linespoints lw 2 pt 5 title 'bare loop'

unset multiplot
