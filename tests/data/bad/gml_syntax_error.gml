graph [
  directed 0
  node [
    id 0
    label "Paris"
  ]
  node [
    id 1
    label "Zurich
  ]
  edge [
    source 0
    target 1
  ]
