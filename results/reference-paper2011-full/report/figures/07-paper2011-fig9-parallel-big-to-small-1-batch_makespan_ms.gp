# 07-paper2011-fig9-parallel-big-to-small-1-batch_makespan_ms.gp — written by migbench c566ac5 from plots/real-vs-computed.gp (inlined below).
# Redraw with: gnuplot 07-paper2011-fig9-parallel-big-to-small-1-batch_makespan_ms.gp   (in this directory; data in 07-paper2011-fig9-parallel-big-to-small-1-batch_makespan_ms.dat)
reset
set encoding utf8
datafile = '07-paper2011-fig9-parallel-big-to-small-1-batch_makespan_ms.dat'
title_text = 'paper2011-fig9-parallel-big-to-small: Fig. 9: parallel migration, big host to small host'
title_font = ',12'
xlabel_text = 'vms.count'
ylabel_text = 'batch_makespan_ms (ms)'
nx = 8
nseries = 2
xlog = 0
ymin_zero = 1
xmin_v = 1
xmax_v = 8
array series_title[2]
series_title[1] = 'real (parallel)'
series_title[2] = 'computed (N × one VM)'
set xtics ('1' 1, '2' 2, '3' 3, '4' 4, '5' 5, '6' 6, '7' 7, '8' 8)
set terminal pngcairo size 960,600 font 'DejaVu Sans,11' noenhanced
set output '07-paper2011-fig9-parallel-big-to-small-1-batch_makespan_ms.png'
# ---- template plots/real-vs-computed.gp ----
# plots/real-vs-computed.gp — parallel migration of N VMs (the paper's Fig. 8 and 9):
# series 1 "real", the measured makespan of the parallel batch; series 2 "computed",
# N times the time of one VM migrated alone; series 3, when present, the measured
# makespan of the sequential batch.  Points: trimmed means; error bars: 95 % CI.
#
# migbench (harness/plot.c) sets the same variables as for plots/line.gp.
set title title_text font title_font
set xlabel xlabel_text
set ylabel ylabel_text
set border 3
set tics nomirror out
set grid ytics lc rgb '#e0e0e0' lw 1
set key inside left top vertical Left reverse noautotitle box lc rgb '#cccccc' opaque
if (xlog) { set logscale x 2 }
set yrange [0:*]
set autoscale xfix
set offsets graph 0.05, graph 0.05, graph 0.08, 0
set linetype 1 lc rgb '#d62728' lw 2.5 pt 7 ps 1.2 dt 1
set linetype 2 lc rgb '#1f77b4' lw 2 pt 5 ps 1.1 dt 2
set linetype 3 lc rgb '#7f7f7f' lw 1.5 pt 9 ps 1.2 dt 3
set linetype cycle 3
set errorbars 1.5
# a few series side by side: a small horizontal offset, so error bars at one x do not
# overlap (with many series the offsets would blur which x a point belongs to)
xoff(i) = nseries > 1 && nseries <= 4 ? (i - (nseries + 1) / 2.0) * 0.01 : 0
xat(x, i) = xlog ? x * (xmax_v / xmin_v) ** xoff(i) : x + xoff(i) * (xmax_v - xmin_v)
plot for [i=1:nseries] datafile index (i-1) using (xat($1, i)):2:3:4 with yerrorlines lt i title series_title[i]
# ---- end of template ----
set output
set terminal svg size 960,600 font 'DejaVu Sans,11' noenhanced
set output '07-paper2011-fig9-parallel-big-to-small-1-batch_makespan_ms.svg'
replot
set output
