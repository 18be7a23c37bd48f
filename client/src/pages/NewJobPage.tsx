/** The landing page's results column: what the tool answers, before any job. */
export function NewJobPage() {
  return (
    <section class="intro">
      <h2>Channel attribution</h2>
      <p>
        Which channels of a layer push the network (GoogLeNet, or a model you import) toward class 1 rather than class 2, and by how much?
        Pick an image and a class pair, then start a job: the distribution and the top and bottom channels redraw as the path integral
        accumulates steps.
      </p>
      <p>Compare methods runs linear, path and stochastic path attribution side by side, as the notebook's compare_attr_methods does.</p>
    </section>
  );
}
