# 10-table3-colocation-quick-1-after_loss_pct.gp — written by migbench 38277df from plots/heatmap.gp (inlined below).
# Redraw with: gnuplot 10-table3-colocation-quick-1-after_loss_pct.gp   (in this directory; data in 10-table3-colocation-quick-1-after_loss_pct.dat)
reset
set encoding utf8
datafile = '10-table3-colocation-quick-1-after_loss_pct.dat'
title_text = 'table3-colocation-quick: Table 3: migrating workload''s loss (%) by the destination''s workload'
title_font = ',11'
xlabel_text = 'colocation.workload'
ylabel_text = 'vms.workload'
nx = 3
nseries = 3
xlog = 0
ymin_zero = 1
xmin_v = 0
xmax_v = 2
array series_title[3]
series_title[1] = 'jbb'
series_title[2] = 'iozone'
series_title[3] = 'web'
set xtics ('jbb' 0, 'iozone' 1, 'web' 2)
set ytics ('jbb' 0, 'iozone' 1, 'web' 2)
set terminal pngcairo size 960,600 font 'DejaVu Sans,11' noenhanced
set output '10-table3-colocation-quick-1-after_loss_pct.png'
# ---- template plots/heatmap.gp ----
# plots/heatmap.gp — a matrix (e.g. the co-location matrix: migrating workload ×
# workload already on the destination): each cell's colour and number is the trimmed
# mean of its runs.
#
# migbench (harness/plot.c) sets, before this text: datafile (rows "column row value
# text"), title_text, title_font (its size), xlabel_text (the columns' factor),
# ylabel_text (the rows' factor), nx, nseries (rows), and the x and y tics; after it,
# the terminals.
set title title_text font title_font
set xlabel xlabel_text
set ylabel ylabel_text
set border 0
set tics scale 0
set xrange [-0.5:nx-0.5]
set yrange [-0.5:nseries-0.5] reverse
set size ratio -1
set palette defined (0 '#fff7ec', 0.5 '#fdae6b', 1 '#e6550d')
set cbtics nomirror
set colorbox user origin graph 1.04, graph 0 size character 2, graph 1
set datafile missing 'NaN'
plot datafile using 1:2:3 with image pixels notitle, \
     '' using 1:2:4 with labels font ',12' tc rgb '#000000' notitle
# ---- end of template ----
set output
set terminal svg size 960,600 font 'DejaVu Sans,11' noenhanced
set output '10-table3-colocation-quick-1-after_loss_pct.svg'
replot
set output
