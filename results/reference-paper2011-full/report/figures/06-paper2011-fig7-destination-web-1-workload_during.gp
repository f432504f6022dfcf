# 06-paper2011-fig7-destination-web-1-workload_during.gp — written by migbench c566ac5 from plots/bars.gp (inlined below).
# Redraw with: gnuplot 06-paper2011-fig7-destination-web-1-workload_during.gp   (in this directory; data in 06-paper2011-fig7-destination-web-1-workload_during.dat)
reset
set encoding utf8
datafile = '06-paper2011-fig7-destination-web-1-workload_during.dat'
title_text = 'paper2011-fig7-destination-web: Fig. 7: web throughput with destination reservation — workload_during'
title_font = ',10'
xlabel_text = 'reservation.destination.cpu'
ylabel_text = 'workload_during (workload unit)'
nx = 2
nseries = 2
xlog = 0
ymin_zero = 1
xmin_v = 0
xmax_v = 1
array series_title[2]
series_title[1] = 'memory=0B'
series_title[2] = 'memory=512MiB'
set terminal pngcairo size 960,600 font 'DejaVu Sans,11' noenhanced
set output '06-paper2011-fig7-destination-web-1-workload_during.png'
# ---- template plots/bars.gp ----
# plots/bars.gp — clustered bars per category (e.g. per workload), one bar per series;
# each bar is the trimmed mean of the runs, its error bar the 95 % confidence interval
# of the mean.
#
# migbench (harness/plot.c) sets, before this text: datafile (rows "label y low high
# [y low high ...]", three columns per series), title_text, title_font (its size),
# xlabel_text, ylabel_text, nx, nseries, series_title[1..nseries], ymin_zero; after
# it, the terminals.
set title title_text font title_font
set xlabel xlabel_text
set ylabel ylabel_text
set border 3
set tics nomirror out
set xtics scale 0
set grid ytics lc rgb '#e0e0e0' lw 1
set key outside right top vertical Left reverse noautotitle box lc rgb '#cccccc' width 2
if (nseries < 2) { unset key }
set yrange [0:*]
if (!ymin_zero) { set yrange [*:*] }
set style data histogram
set style histogram errorbars gap 1.5 lw 1.5
set style fill solid 0.85 border rgb '#333333'
set boxwidth 0.9
set xrange [-0.6:nx-0.4]
set linetype 1 lc rgb '#1f77b4' dt 1
set linetype 2 lc rgb '#d62728' dt 1
set linetype 3 lc rgb '#2ca02c' dt 1
set linetype 4 lc rgb '#ff7f0e' dt 1
set linetype 5 lc rgb '#9467bd' dt 1
set linetype 6 lc rgb '#8c564b' dt 1
set linetype 7 lc rgb '#e377c2' dt 1
set linetype 8 lc rgb '#7f7f7f' dt 1
set linetype cycle 8
plot for [i=1:nseries] datafile using (column(3*i-1)):(column(3*i)):(column(3*i+1)):xtic(1) lt i title series_title[i]
# ---- end of template ----
set output
set terminal svg size 960,600 font 'DejaVu Sans,11' noenhanced
set output '06-paper2011-fig7-destination-web-1-workload_during.svg'
replot
set output
