# 05-paper2011-fig6-destination-memory-1-total_time_ms.gp — written by migbench c566ac5 from plots/line.gp (inlined below).
# Redraw with: gnuplot 05-paper2011-fig6-destination-memory-1-total_time_ms.gp   (in this directory; data in 05-paper2011-fig6-destination-memory-1-total_time_ms.dat)
reset
set encoding utf8
datafile = '05-paper2011-fig6-destination-memory-1-total_time_ms.dat'
title_text = 'paper2011-fig6-destination-memory: Fig. 6: destination memory reservation, idle VM — total_time_ms'
title_font = ',11'
xlabel_text = 'reservation.destination.memory'
ylabel_text = 'total_time_ms (ms)'
nx = 4
nseries = 1
xlog = 0
ymin_zero = 1
xmin_v = 0
xmax_v = 1073741824
array series_title[1]
series_title[1] = ''
set xtics ('0B' 0, '256MiB' 268435456, '512MiB' 536870912, '1GiB' 1073741824)
set terminal pngcairo size 960,600 font 'DejaVu Sans,11' noenhanced
set output '05-paper2011-fig6-destination-memory-1-total_time_ms.png'
# ---- template plots/line.gp ----
# plots/line.gp — a sweep: one line per series over the swept factor; each point is the
# trimmed mean of the runs, its error bar the 95 % confidence interval of the mean.
#
# migbench (harness/plot.c) sets, before this text: datafile (blocks "x y low high
# label", one per series), title_text, title_font (its size), xlabel_text,
# ylabel_text, nx, nseries, series_title[1..nseries], xlog, ymin_zero, xmin_v, xmax_v
# and the x tics; after it, the terminals.
# Enhanced text is off (noenhanced terminals): an underscore stays an underscore.
set title title_text font title_font
set xlabel xlabel_text
set ylabel ylabel_text
set border 3
set tics nomirror out
set grid ytics lc rgb '#e0e0e0' lw 1 dt 1
set key outside right top vertical Left reverse noautotitle box lc rgb '#cccccc' width 2
if (nseries < 2) { unset key }
if (xlog) { set logscale x 2 }
if (ymin_zero) { set yrange [0:*] }
set autoscale xfix
set offsets graph 0.05, graph 0.05, graph 0.08, 0
set linetype 1 lc rgb '#1f77b4' lw 2 pt 7 ps 1.1 dt 1
set linetype 2 lc rgb '#d62728' lw 2 pt 5 ps 1.1 dt 1
set linetype 3 lc rgb '#2ca02c' lw 2 pt 9 ps 1.3 dt 1
set linetype 4 lc rgb '#ff7f0e' lw 2 pt 11 ps 1.3 dt 1
set linetype 5 lc rgb '#9467bd' lw 2 pt 13 ps 1.3 dt 1
set linetype 6 lc rgb '#8c564b' lw 2 pt 4 ps 1.1 dt 1
set linetype 7 lc rgb '#e377c2' lw 2 pt 6 ps 1.1 dt 1
set linetype 8 lc rgb '#7f7f7f' lw 2 pt 8 ps 1.1 dt 1
set linetype cycle 8
set errorbars 1.5
# a few series side by side: a small horizontal offset, so error bars at one x do not
# overlap (with many series the offsets would blur which x a point belongs to)
xoff(i) = nseries > 1 && nseries <= 4 ? (i - (nseries + 1) / 2.0) * 0.01 : 0
xat(x, i) = xlog ? x * (xmax_v / xmin_v) ** xoff(i) : x + xoff(i) * (xmax_v - xmin_v)
plot for [i=1:nseries] datafile index (i-1) using (xat($1, i)):2:3:4 with yerrorlines lt i title series_title[i]
# ---- end of template ----
set output
set terminal svg size 960,600 font 'DejaVu Sans,11' noenhanced
set output '05-paper2011-fig6-destination-memory-1-total_time_ms.svg'
replot
set output
